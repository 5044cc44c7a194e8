// SPDX-License-Identifier: MIT
#include "storageapi/GrpcCommon.h"

#include "sandbox/Auth.h"

namespace quarry::storageapi {

using grpc::Status;
using grpc::StatusCode;

namespace {

/// A message or entity cut to fit gRPC's trailers (8 KB of metadata by default, and the text is
/// percent-encoded there): a refusal that echoes a hostile 100 KB name must still arrive.
std::string clipped(const std::string& s) {
    constexpr std::size_t kMax = 1024;
    if (s.size() <= kMax) return s;
    std::size_t cut = kMax;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut; // not inside a UTF-8 sequence
    return s.substr(0, cut) + "...";
}

v1::TableFieldSchema::Type fieldType(TypeKind k) {
    using T = v1::TableFieldSchema;
    switch (k) {
    case TypeKind::Int64: return T::INT64;
    case TypeKind::Float64: return T::DOUBLE;
    case TypeKind::Numeric: return T::NUMERIC;
    case TypeKind::BigNumeric: return T::BIGNUMERIC;
    case TypeKind::Bool: return T::BOOL;
    case TypeKind::String: return T::STRING;
    case TypeKind::Bytes: return T::BYTES;
    case TypeKind::Date: return T::DATE;
    case TypeKind::Time: return T::TIME;
    case TypeKind::DateTime: return T::DATETIME;
    case TypeKind::Timestamp: return T::TIMESTAMP;
    case TypeKind::Geography: return T::GEOGRAPHY;
    case TypeKind::Json: return T::JSON;
    case TypeKind::Interval: return T::INTERVAL;
    case TypeKind::Range: return T::RANGE;
    case TypeKind::Struct: return T::STRUCT;
    }
    return T::TYPE_UNSPECIFIED;
}

} // namespace

void fillFields(google::protobuf::RepeatedPtrField<v1::TableFieldSchema>* out, const std::vector<Field>& fields) {
    for (const auto& f : fields) {
        auto* p = out->Add();
        p->set_name(f.name);
        p->set_type(fieldType(f.type));
        p->set_mode(f.mode == Mode::Required   ? v1::TableFieldSchema::REQUIRED
                    : f.mode == Mode::Repeated ? v1::TableFieldSchema::REPEATED
                                               : v1::TableFieldSchema::NULLABLE);
        if (!f.description.empty()) p->set_description(f.description);
        if (f.type == TypeKind::Range) p->mutable_range_element_type()->set_type(fieldType(f.rangeElement));
        if (f.type == TypeKind::Struct) fillFields(p->mutable_fields(), f.fields);
    }
}

void fillTimestamp(google::protobuf::Timestamp* ts, std::int64_t ms) {
    ts->set_seconds(ms / 1000);
    ts->set_nanos(static_cast<int>(ms % 1000) * 1000000);
}

v1::StorageError storageError(const WriteError& e) {
    v1::StorageError s;
    s.set_code(static_cast<v1::StorageError_StorageErrorCode>(static_cast<int>(e.storage)));
    s.set_entity(clipped(e.entity));
    s.set_error_message(clipped(e.message));
    return s;
}

Status toStatus(const WriteError& e) {
    google::rpc::Status rich;
    rich.set_code(static_cast<int>(e.code));
    rich.set_message(clipped(e.message));
    if (e.storage != StorageCode::Unspecified) rich.add_details()->PackFrom(storageError(e));
    return Status(static_cast<StatusCode>(e.code), clipped(e.message), rich.SerializeAsString());
}

void fillError(google::rpc::Status* out, const WriteError& e) {
    out->set_code(static_cast<int>(e.code));
    out->set_message(clipped(e.message));
    if (e.storage != StorageCode::Unspecified) out->add_details()->PackFrom(storageError(e));
}

void CallGate::setRestBaseUrl(std::string url) {
    std::lock_guard lock(m_);
    restBase_ = std::move(url);
}

Status CallGate::signIn(grpc::ServerContext* ctx) const {
    if (!auth_) return Status::OK;
    const auto& md = ctx->client_metadata();
    const auto it = md.find("authorization");
    const std::string header = it == md.end() ? std::string() : std::string(it->second.data(), it->second.size());
    std::string self;
    {
        std::lock_guard lock(m_);
        self = restBase_;
    }
    const auto a = auth_->authorize(header, self, "https://bigquerystorage.googleapis.com/");
    if (a.ok()) return Status::OK;
    std::string message = "Request had invalid authentication credentials.";
    if (a.body.contains("error") && a.body["error"].contains("message")) message = a.body["error"]["message"].get<std::string>();
    return Status(StatusCode::UNAUTHENTICATED, message);
}

namespace {

int hexDigit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/// A query-string part percent-decoded ('+' is a space, as in a form).
std::string formDecoded(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '+') out.push_back(' ');
        else if (s[i] == '%' && i + 2 < s.size() && hexDigit(s[i + 1]) >= 0 && hexDigit(s[i + 2]) >= 0) {
            out.push_back(static_cast<char>(hexDigit(s[i + 1]) * 16 + hexDigit(s[i + 2])));
            i += 2;
        } else {
            out.push_back(s[i]);
        }
    }
    return out;
}

} // namespace

std::optional<std::string> routingValue(std::string_view header, std::string_view key) {
    std::size_t at = 0;
    while (at <= header.size()) {
        const auto amp = std::min(header.find('&', at), header.size());
        const auto part = header.substr(at, amp - at);
        const auto eq = part.find('=');
        if (eq != std::string_view::npos && formDecoded(part.substr(0, eq)) == key) return formDecoded(part.substr(eq + 1));
        at = amp + 1;
    }
    return std::nullopt;
}

Status CallGate::routing(grpc::ServerContext* ctx, std::string_view key, std::string_view resource) const {
    const auto& md = ctx->client_metadata();
    const auto it = md.find("x-goog-request-params");
    std::optional<std::string> named;
    if (it != md.end()) named = routingValue(std::string_view(it->second.data(), it->second.size()), key);
    if (!named) {
        if (!requireRouting_) return Status::OK;
        return Status(StatusCode::INVALID_ARGUMENT, clipped("Missing routing header: x-goog-request-params must name " +
                                                            std::string(key) + "=" + std::string(resource)));
    }
    if (*named == resource) return Status::OK;
    return Status(StatusCode::INVALID_ARGUMENT, clipped("The routing header x-goog-request-params names " + std::string(key) + "=" +
                                                        *named + ", but the request is for " + std::string(resource)));
}

} // namespace quarry::storageapi
