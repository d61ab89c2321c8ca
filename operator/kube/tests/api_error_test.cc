#include "operator/kube/api_error.h"

#include <gtest/gtest.h>

#include "operator/kube/tests/test_api_server.h"

namespace pgferry::kube {
namespace {

using testing::StatusBody;

TEST(ApiError, NotFoundKeepsTheServersMessage) {
  Status st = ApiError(404, StatusBody(404, "NotFound", "secrets \"nope\" not found"), "GET /x");
  EXPECT_EQ(st.code(), StatusCode::kNotFound);
  EXPECT_EQ(st.message(), "secrets \"nope\" not found");
  EXPECT_EQ(st.detail(), "NotFound");
}

TEST(ApiError, AlreadyExistsIsToldApartFromAConflict) {
  Status exists =
      ApiError(409, StatusBody(409, "AlreadyExists", "secrets \"a\" already exists"), "POST /x");
  EXPECT_EQ(exists.code(), StatusCode::kAlreadyExists);
  Status conflict = ApiError(
      409,
      StatusBody(409, "Conflict",
                 "Operation cannot be fulfilled on secrets \"a\": the object has been modified"),
      "PUT /x");
  EXPECT_EQ(conflict.code(), StatusCode::kConflict);
  EXPECT_EQ(conflict.detail(), "Conflict");
}

TEST(ApiError, InvalidNamesEveryFieldOfItsCauses) {
  nlohmann::json body =
      nlohmann::json::parse(StatusBody(422, "Invalid", "PgMigration.pgferry.io \"m1\" is invalid"));
  body["details"] = {{"name", "m1"},
                     {"kind", "PgMigration"},
                     {"causes",
                      {{{"reason", "FieldValueRequired"},
                        {"message", "Required value"},
                        {"field", "spec.source.host"}},
                       {{"reason", "FieldValueInvalid"},
                        {"message", "Invalid value: 70000: must be 1..65535"},
                        {"field", "spec.source.port"}}}}};
  Status st = ApiError(422, body.dump(), "POST /x");
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(st.detail(), "Invalid");
  EXPECT_NE(st.message().find("spec.source.host: Required value"), std::string::npos)
      << st.message();
  EXPECT_NE(st.message().find("spec.source.port: Invalid value: 70000"), std::string::npos)
      << st.message();
}

TEST(ApiError, InvalidDoesNotRepeatFieldsTheMessageAlreadyNames) {
  nlohmann::json body = nlohmann::json::parse(
      StatusBody(422, "Invalid",
                 "PgMigration.pgferry.io \"m1\" is invalid: spec.source.host: Required value"));
  body["details"]["causes"] = {{{"reason", "FieldValueRequired"},
                                {"message", "Required value"},
                                {"field", "spec.source.host"}}};
  Status st = ApiError(422, body.dump(), "POST /x");
  EXPECT_EQ(st.message(),
            "PgMigration.pgferry.io \"m1\" is invalid: spec.source.host: Required value");
}

TEST(ApiError, GoneMeansRelist) {
  Status st =
      ApiError(410, StatusBody(410, "Expired", "too old resource version: 5 (90)"), "GET /x");
  EXPECT_TRUE(IsGone(st));
  EXPECT_EQ(st.detail(), kReasonGone);
  EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition);
  EXPECT_FALSE(IsGone(ApiError(404, "", "GET /x")));
  EXPECT_FALSE(IsGone(Status::Ok()));
}

TEST(ApiError, AuthAndServerErrorsMapToTheirCodes) {
  EXPECT_EQ(ApiError(401, StatusBody(401, "Unauthorized", "Unauthorized"), "GET /x").code(),
            StatusCode::kUnauthenticated);
  EXPECT_EQ(ApiError(403, StatusBody(403, "Forbidden", "secrets is forbidden"), "GET /x").code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(ApiError(500, StatusBody(500, "InternalError", "boom"), "GET /x").code(),
            StatusCode::kUnavailable);
  EXPECT_EQ(ApiError(503, "", "GET /x").code(), StatusCode::kUnavailable);
  EXPECT_EQ(ApiError(429, "", "GET /x").code(), StatusCode::kUnavailable);
  EXPECT_EQ(ApiError(400, "", "GET /x").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ApiError(415, "", "PATCH /x").code(), StatusCode::kInvalidArgument);
}

TEST(ApiError, PlainTextBodiesAreQuotedWithTheRequest) {
  Status not_found = ApiError(404, "404 page not found\n", "GET /apis/x/v1/things");
  EXPECT_EQ(not_found.code(), StatusCode::kNotFound);
  EXPECT_EQ(not_found.message(),
            "the server could not find the requested resource (GET /apis/x/v1/things)");
  Status oops = ApiError(500, "oops\n", "GET /api/v1/secrets");
  EXPECT_EQ(oops.message(), "HTTP 500 from GET /api/v1/secrets: oops");
  EXPECT_EQ(oops.detail(), "InternalError");
}

}  // namespace
}  // namespace pgferry::kube
