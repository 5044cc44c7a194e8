// SPDX-License-Identifier: MIT
#include "Session.h"

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

QString formatBytes(std::uint64_t bytes) {
    static const char* units[] = {"B", "KB", "MB", "GB", "TB", "PB"};
    double v = static_cast<double>(bytes);
    int u = 0;
    while (v >= 1024.0 && u < 5) {
        v /= 1024.0;
        ++u;
    }
    if (u == 0) return QStringLiteral("%1 B").arg(bytes);
    return QStringLiteral("%1 %2").arg(v, 0, 'f', 1).arg(QLatin1String(units[u]));
}

} // namespace quarry
