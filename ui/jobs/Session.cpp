// SPDX-License-Identifier: MIT
#include "Session.h"

#include "value/Text.h"

#include <QObject>

namespace quarry {

std::shared_ptr<Session> Session::sandbox(const QString& url) {
    auto s = std::make_shared<Session>();
    s->label = QObject::tr("Local sandbox");
    s->url = url;
    s->project = "sandbox";
    BigQueryClient::Options o;
    o.endpoint = Endpoint::fromUrl(url.toStdString());
    o.projectId = s->project;
    s->client = std::make_shared<BigQueryClient>(o);
    s->runner = std::make_shared<QueryRunner>(*s->client);
    return s;
}

QString formatBytes(std::uint64_t bytes) { return QString::fromStdString(text::formatBytes(bytes)); }

} // namespace quarry
