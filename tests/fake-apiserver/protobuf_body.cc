#include "tests/fake-apiserver/protobuf_body.h"

#include <cstdint>
#include <functional>

#include "tests/fake-apiserver/kubeconfig.h"

namespace pgferry::fakeapi {
namespace {

// A protobuf wire-format reader over one message.
class Reader {
 public:
  explicit Reader(const std::string& data) : data_(data) {}

  bool done() const { return pos_ >= data_.size(); }

  // Reads the next field; `value` holds the varint, `bytes` the length-delimited payload.
  bool Next(int* field, uint64_t* value, std::string* bytes) {
    uint64_t key;
    if (!Varint(&key)) return false;
    *field = static_cast<int>(key >> 3);
    switch (key & 7) {
      case 0:
        return Varint(value);
      case 1:
        pos_ += 8;
        return pos_ <= data_.size();
      case 2: {
        uint64_t len;
        if (!Varint(&len) || pos_ + len > data_.size()) return false;
        *bytes = data_.substr(pos_, len);
        pos_ += len;
        return true;
      }
      case 5:
        pos_ += 4;
        return pos_ <= data_.size();
      default:
        return false;
    }
  }

 private:
  bool Varint(uint64_t* out) {
    *out = 0;
    for (int shift = 0; shift < 64 && pos_ < data_.size(); shift += 7) {
      uint8_t b = static_cast<uint8_t>(data_[pos_++]);
      *out |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return true;
    }
    return false;
  }

  const std::string& data_;
  size_t pos_ = 0;
};

using FieldFn = std::function<bool(int field, uint64_t value, const std::string& bytes)>;

bool ForEachField(const std::string& msg, const FieldFn& fn) {
  Reader r(msg);
  while (!r.done()) {
    int field;
    uint64_t value = 0;
    std::string bytes;
    if (!r.Next(&field, &value, &bytes)) return false;
    if (!fn(field, value, bytes)) return false;
  }
  return true;
}

// map<string, string|bytes> entries: key = 1, value = 2.
bool MapEntry(const std::string& entry, Json* map, bool base64_value) {
  std::string key, value;
  bool ok = ForEachField(entry, [&](int f, uint64_t, const std::string& b) {
    if (f == 1) key = b;
    if (f == 2) value = b;
    return true;
  });
  if (!ok) return false;
  (*map)[key] = base64_value ? Base64(value) : value;
  return true;
}

bool OwnerReference(const std::string& msg, Json* out) {
  *out = Json::object();
  return ForEachField(msg, [&](int f, uint64_t v, const std::string& b) {
    if (f == 1) (*out)["kind"] = b;
    if (f == 3) (*out)["name"] = b;
    if (f == 4) (*out)["uid"] = b;
    if (f == 5) (*out)["apiVersion"] = b;
    if (f == 6) (*out)["controller"] = v != 0;
    if (f == 7) (*out)["blockOwnerDeletion"] = v != 0;
    return true;
  });
}

bool ObjectMeta(const std::string& msg, Json* out) {
  *out = Json::object();
  return ForEachField(msg, [&](int f, uint64_t, const std::string& b) {
    switch (f) {
      case 1: (*out)["name"] = b; return true;
      case 2: (*out)["generateName"] = b; return true;
      case 3: (*out)["namespace"] = b; return true;
      case 6: (*out)["resourceVersion"] = b; return true;
      case 11: return MapEntry(b, &(*out)["labels"], false);
      case 12: return MapEntry(b, &(*out)["annotations"], false);
      case 13: {
        Json ref;
        if (!OwnerReference(b, &ref)) return false;
        (*out)["ownerReferences"].push_back(ref);
        return true;
      }
      case 14: (*out)["finalizers"].push_back(b); return true;
      default: return true;  // server-owned fields are ignored on create anyway
    }
  });
}

bool DecodeKind(const std::string& kind, const std::string& raw, Json* out, std::string* error) {
  Json obj = {{"apiVersion", "v1"}, {"kind", kind}};
  bool ok = ForEachField(raw, [&](int f, uint64_t v, const std::string& b) {
    if (f == 1) return ObjectMeta(b, &obj["metadata"]);
    if (kind == "Namespace") {
      if (f == 2) {
        return ForEachField(b, [&](int sf, uint64_t, const std::string& sb) {
          if (sf == 1) obj["spec"]["finalizers"].push_back(sb);
          return true;
        });
      }
    } else if (kind == "Secret") {
      if (f == 2) return MapEntry(b, &obj["data"], true);
      if (f == 3) obj["type"] = b;
      if (f == 4) return MapEntry(b, &obj["stringData"], false);
      if (f == 5) obj["immutable"] = v != 0;
    } else if (kind == "ConfigMap") {
      if (f == 2) return MapEntry(b, &obj["data"], false);
      if (f == 3) return MapEntry(b, &obj["binaryData"], true);
      if (f == 4) obj["immutable"] = v != 0;
    }
    return true;
  });
  if (!ok) {
    *error = "malformed protobuf " + kind;
    return false;
  }
  *out = obj;
  return true;
}

}  // namespace

bool IsProtobufContentType(const std::string& content_type) {
  return content_type.rfind("application/vnd.kubernetes.protobuf", 0) == 0;
}

bool DecodeProtobufObject(const std::string& body, Json* out, std::string* error) {
  static const std::string kMagic("k8s\0", 4);
  if (body.compare(0, 4, kMagic) != 0) {
    *error = "protobuf body without the k8s envelope";
    return false;
  }
  std::string api_version, kind, raw;
  bool ok = ForEachField(body.substr(4), [&](int f, uint64_t, const std::string& b) {
    if (f == 1) {
      return ForEachField(b, [&](int tf, uint64_t, const std::string& tb) {
        if (tf == 1) api_version = tb;
        if (tf == 2) kind = tb;
        return true;
      });
    }
    if (f == 2) raw = b;
    return true;
  });
  if (!ok) {
    *error = "malformed protobuf envelope";
    return false;
  }
  if (api_version != "v1" || (kind != "Namespace" && kind != "Secret" && kind != "ConfigMap")) {
    *error = "fake-apiserver cannot decode protobuf " + api_version + " " + kind +
             "; send JSON (application/json)";
    return false;
  }
  return DecodeKind(kind, raw, out, error);
}

}  // namespace pgferry::fakeapi
