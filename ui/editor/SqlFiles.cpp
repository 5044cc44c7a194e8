// SPDX-License-Identifier: MIT
#include "SqlFiles.h"

#include "Background.h"
#include "jobs/OnGui.h"

#include <QFile>
#include <QPointer>
#include <QSaveFile>
#include <QStringDecoder>

namespace quarry {
namespace {
constexpr qint64 kMaxBytes = 10 * 1024 * 1024;
}

void readSqlFile(const QString& path, QObject* context, std::function<void(QString, QString)> done) {
    QPointer<QObject> ctx(context);
    Background::run(context, [path, ctx, done](const CancelToken&) {
        QString text, error;
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly)) {
            error = QObject::tr("Cannot open %1: %2").arg(path, f.errorString());
        } else if (f.size() > kMaxBytes) {
            error = QObject::tr("%1 is %2 MB: too big for the editor (the limit is 10 MB). Run it with quarry-cli query - < file.")
                        .arg(path).arg(f.size() / (1024 * 1024));
        } else {
            QByteArray bytes = f.readAll();
            if (bytes.startsWith("\xEF\xBB\xBF")) bytes.remove(0, 3); // a BOM is not part of the query
            QStringDecoder utf8(QStringDecoder::Utf8);
            text = utf8.decode(bytes);
            if (utf8.hasError()) {
                // Say where: the line of the first byte that is not UTF-8.
                int line = 0;
                for (const QByteArray& l : bytes.split('\n')) {
                    ++line;
                    QStringDecoder probe(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless); // a cut sequence is an error too
                    const QString decoded = probe.decode(l);
                    if (probe.hasError()) break;
                }
                error = QObject::tr("%1:%2: the file is not UTF-8 text. Save it as UTF-8 and open it again.").arg(path).arg(line);
                text.clear();
            }
        }
        onGui([ctx, done, text, error] {
            if (ctx) done(text, error);
        });
    });
}

void writeSqlFile(const QString& path, const QString& text, QObject* context, std::function<void(QString)> done) {
    QPointer<QObject> ctx(context);
    Background::run(context, [path, text, ctx, done](const CancelToken&) {
        QString error;
        QSaveFile f(path);
        if (!f.open(QIODevice::WriteOnly)) {
            error = QObject::tr("Cannot write %1: %2").arg(path, f.errorString());
        } else {
            f.write(text.toUtf8());
            if (!f.commit()) error = QObject::tr("Cannot write %1: %2 (the old file is unchanged)").arg(path, f.errorString());
        }
        onGui([ctx, done, error] {
            if (ctx) done(error);
        });
    });
}

} // namespace quarry
