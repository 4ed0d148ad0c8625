package io.costwarden.app;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every endpoint under the auth rules of an app that listens beyond loopback: reads need a viewer token,
 * pause, resume and undo an operator; ingest keeps its own credentials; probes, metrics and the page's
 * static files stay open.
 */
@QuarkusTest
@TestProfile(SecuredApp.class)
class ApiAuthTest {
    static final List<String> READS = List.of("/api/findings", "/api/findings?state=current", "/api/actions",
            "/api/actions/some-id", "/api/resources", "/api/resources/counts", "/api/spend?groupBy=team",
            "/api/spend/history?groupBy=team", "/api/spend/team=ml", "/api/savings", "/api/dashboard/findings",
            "/q/openapi");

    @Test
    void readsNeedAToken() {
        for (String path : READS) {
            given().get(path).then().statusCode(401).header("WWW-Authenticate", containsString("Bearer"))
                    .body("error", containsString("needs a token"));
            given().header("Authorization", "Bearer wrong").get(path).then().statusCode(401);
            int status = given().header("Authorization", "Bearer " + SecuredApp.VIEWER_TOKEN).get(path).then().extract()
                    .statusCode();
            org.assertj.core.api.Assertions.assertThat(status).as(path).isNotEqualTo(401).isNotEqualTo(403);
        }
    }

    @Test
    void instancesReadEachOtherWithTheInternalToken() {
        // Ready means the stores answer (RolesHealth): no retry after it, so a readiness that came too early fails.
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP")));
        given().header("Authorization", "Bearer " + SecuredApp.INTERNAL_TOKEN).get("/api/resources/local-part").then()
                .statusCode(200);
        given().header("Authorization", "Bearer " + SecuredApp.INTERNAL_TOKEN).post("/api/actions/pause").then()
                .statusCode(403).body("error", containsString("'internal' is a viewer"));
    }

    @Test
    void aChangeMadeWithTheCookieAloneNeedsTheDashboardsHeader() {
        String cookie = given().formParam("token", SecuredApp.OPERATOR_TOKEN).post("/api/session").then().statusCode(200)
                .extract().cookie("costwarden_token");
        given().cookie("costwarden_token", cookie).post("/api/actions/resume").then().statusCode(403)
                .body("error", containsString("X-Costwarden-Request"));
        given().cookie("costwarden_token", cookie).header("X-Costwarden-Request", "dashboard").post("/api/actions/resume")
                .then().statusCode(200).body("by", equalTo("ops"));
        given().header("Authorization", "Bearer " + SecuredApp.OPERATOR_TOKEN).post("/api/actions/resume/").then()
                .statusCode(200);
        given().header("Authorization", "Bearer " + SecuredApp.VIEWER_TOKEN).post("/api/actions/pause/").then()
                .statusCode(403);
    }

    @Test
    void theOpenApiDocumentDescribesTheApi() {
        given().header("Authorization", "Bearer " + SecuredApp.VIEWER_TOKEN).queryParam("format", "json").get("/q/openapi")
                .then().statusCode(200).body(containsString("\"/api/actions/{id}/undo\""))
                .body(containsString("\"/api/stream\"")).body(containsString("\"/api/findings\""))
                .body(containsString("Costwarden API"));
    }

    @Test
    void theStreamNeedsATokenAndTakesTheSessionCookie() {
        given().get("/api/stream").then().statusCode(401);
        String cookie = given().formParam("token", SecuredApp.VIEWER_TOKEN).post("/api/session").then().statusCode(200)
                .body("caller", equalTo("ada")).body("role", equalTo("viewer"))
                .cookie("costwarden_token", SecuredApp.VIEWER_TOKEN)
                .header("Set-Cookie", containsString("HttpOnly")).header("Set-Cookie", containsString("SameSite=Strict"))
                .extract().cookie("costwarden_token");
        given().cookie("costwarden_token", cookie).get("/api/session").then().statusCode(200)
                .body("required", equalTo(true)).body("caller", equalTo("ada"));
        given().cookie("costwarden_token", cookie).get("/api/findings").then().statusCode(200);
        given().formParam("token", "not-a-token").post("/api/session").then().statusCode(401);
    }

    @Test
    void operatorEndpointsNeedAnOperator() {
        for (String path : List.of("/api/actions/pause", "/api/actions/resume", "/api/actions/some-id/undo")) {
            given().post(path).then().statusCode(401);
            given().header("Authorization", "Bearer " + SecuredApp.VIEWER_TOKEN).post(path).then().statusCode(403)
                    .body("error", containsString("'ada' is a viewer"));
        }
        given().header("Authorization", "Bearer " + SecuredApp.OPERATOR_TOKEN).post("/api/actions/resume").then()
                .statusCode(200).body("by", equalTo("ops"));
        given().header("Authorization", "Bearer " + SecuredApp.OPERATOR_TOKEN).post("/api/actions/no-such-action/undo")
                .then().statusCode(404);
        // The admin key is an operator credential too.
        given().header("x-api-key", "test-admin-key").queryParam("by", "ana").post("/api/actions/resume").then()
                .statusCode(200).body("by", equalTo("ana"));
    }

    @Test
    void ingestKeepsItsOwnCredentialsAndProbesMetricsAndThePageStayOpen() {
        given().header("Authorization", "Bearer " + SecuredApp.OPERATOR_TOKEN).body("{}").post("/ingest/cloudtrail")
                .then().statusCode(401);
        given().header("x-api-key", "test-ingest-key").contentType("application/json").body("{\"Records\":[]}")
                .post("/ingest/cloudtrail").then().statusCode(200);
        given().get("/q/health/ready").then().statusCode(200);
        given().get("/q/metrics").then().statusCode(200);
        given().get("/").then().statusCode(200).body(containsString("<title>Costwarden</title>"));
        given().get("/dashboard/dashboard.js").then().statusCode(200);
        given().get("/vendor/uplot/uPlot.iife.min.js").then().statusCode(200);
        given().get("/api/session").then().statusCode(200).body("required", equalTo(true)).body("caller", equalTo(""));
    }
}
