// SPDX-License-Identifier: MIT
#pragma once

#include "bigquery/BigQueryClient.h"
#include "storageapi/StorageChannel.h"
#include "upload/BatchSender.h"
#include "upload/Uploader.h"

#include <functional>
#include <memory>
#include <string>

namespace simdjson::dom {
class parser;
}

namespace quarry::storageapi {

/// Sends an upload's batches through the Storage Write API instead of insertAll: one COMMITTED
/// stream per upload (its name in the journal), each batch one AppendRows request at an offset
/// journaled (synced) before it goes, several in flight on one connection. The records' JSON
/// text is read with the uploader's own rules (JsonRowReader, as insertAll's rows are checked)
/// straight into protobuf's wire format (JsonRowReader::encodeDom, no values in between). A batch sent
/// again after a stop goes at its journaled offset: the server refuses one already written
/// (ALREADY_EXISTS) and it is counted, so every row is in the table exactly once.
/// A row the server refuses although the local check took it, or a lost connection, stops the
/// upload with the journal intact (--resume goes on).
class WriteSender final : public upload::BatchSink {
public:
    /// Throws upload::UploadError when the stream cannot be made or found.
    WriteSender(const StorageEndpoint& endpoint, const TableRef& table, upload::UploadOptions::SinkParts& parts, std::size_t depth);
    ~WriteSender() override;

    bool push(upload::Batch b) override;
    void finish() override;
    void abort() override;
    bool failed() const override;
    std::exception_ptr error() const override;
    bool idle() const override;

    /// The factory UploadOptions::makeSink wants, for `endpoint`. For a table whose rows it
    /// cannot carry (ProtoEncoder::unsupported) it gives null (insertAll then), or with
    /// `required` (--api write) an UploadError saying why.
    static std::function<std::unique_ptr<upload::BatchSink>(upload::UploadOptions::SinkParts&)> factory(StorageEndpoint endpoint,
                                                                                                        TableRef table,
                                                                                                        bool required = false);

private:
    /// Threads encoding batches at once (they send in the order the batches were pushed). One:
    /// on two cores shared with the sandbox a second gained nothing (3.19 s against 3.03 s for
    /// 1M rows) and held 40 MB more.
    static constexpr int kEncoders = 1;
    struct Prepared;
    void encodeLoop();
    /// A batch's records as one AppendRows request (no offset yet).
    Prepared encode(upload::Batch b, simdjson::dom::parser& json) const;
    /// Gives it its offset (journaled) and sends it; false once sending stopped.
    bool dispatch(Prepared prep);
    void stopEncoder(bool drain);
    struct Impl;
    std::unique_ptr<Impl> d_;
};

} // namespace quarry::storageapi
