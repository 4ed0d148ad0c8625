package io.costwarden.app;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.stubbing.Scenario;
import io.costwarden.app.kafka.KafkaCluster;
import io.costwarden.model.ActionKind;
import io.costwarden.model.ActionRequest;
import io.costwarden.model.Ids;
import io.costwarden.model.Mode;
import io.costwarden.model.ResourceKind;
import io.costwarden.model.Topics;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in headless Chromium (Debian's chromium and chromium-driver, which .ci/run installs) against
 * the running app: after signing in, a scenario replayed into the app shows up on the open page without a
 * reload (a finding, a dry-run action, the spend chart); an operator's undo sends StartInstances, and a
 * viewer's is refused. Saves the screenshot the README shows (copied to docs/images when
 * {@code -Ddashboard.screenshot=docs} is set).
 */
@QuarkusTest
@TestProfile(SecuredApp.class)
class DashboardBrowserTest {
    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(DashboardBrowserTest.class);
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final String INSTANCE = "i-0dash0000000000001";

    static ChromeDriver driver;

    @Inject
    KafkaCluster kafka;

    @BeforeAll
    static void browser() {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver; .ci/run does)");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage", "--window-size=1600,1800");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        driver = new ChromeDriver(service, options);
    }

    @AfterAll
    static void close() {
        if (driver != null) {
            driver.quit();
        }
    }

    /** Waits that look again when the page has just redrawn what they looked at (it redraws on every event). */
    private static WebDriverWait waiting() {
        WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(60), Duration.ofMillis(200));
        wait.ignoring(StaleElementReferenceException.class);
        return wait;
    }

    private static String url() {
        return "http://localhost:" + RestAssured.port + "/";
    }

    private static void signIn(String token) {
        driver.get(url());
        WebElement field = waiting().until(ExpectedConditions.visibilityOfElementLocated(By.id("token")));
        field.sendKeys(token);
        driver.findElement(By.cssSelector("#login-form button[type=submit]")).click();
        waiting().until(ExpectedConditions.textToBe(By.id("status"), "live"));
    }

    @Test
    void aScenarioShowsUpLiveAndAnOperatorUndoesWhileAViewerIsRefused() throws Exception {
        try {
            scenario();
        } catch (RuntimeException | AssertionError e) {
            // What the page showed when it failed, for whoever reads the CI log next.
            Files.writeString(Path.of("target", "dashboard-failure.html"), driver.getPageSource());
            Files.copy(((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE).toPath(),
                    Path.of("target", "dashboard-failure.png"), StandardCopyOption.REPLACE_EXISTING);
            LOG.errorf("dashboard at failure (target/dashboard-failure.*): status=%s rate=%s actions=%d findings=%d"
                    + "%nactions feed:%n%s", driver.findElement(By.id("status")).getText(),
                    driver.findElement(By.id("rate-all")).getText(),
                    driver.findElements(By.cssSelector("#actions-feed li")).size(),
                    driver.findElements(By.cssSelector("#findings-table tbody tr")).size(),
                    driver.findElements(By.cssSelector("#actions-feed li")).stream()
                            .map(li -> li.getAttribute("data-action") + " " + li.getAttribute("data-outcome") + " "
                                    + li.findElement(By.cssSelector(".line")).getText())
                            .collect(java.util.stream.Collectors.joining(System.lineSeparator())));
            throw e;
        }
    }

    private void scenario() throws Exception {
        signIn(SecuredApp.OPERATOR_TOKEN);
        assertThat(driver.findElement(By.id("who")).getText()).isEqualTo("ops (operator)");
        JavascriptExecutor js = driver;
        // Set once; still there at the end only if the page was never reloaded.
        js.executeScript("window.__sameLoad = 'yes';");

        byte[] launches = getClass().getResourceAsStream("/demo/scenario/synthetic-gpu-launches.json").readAllBytes();
        given().header("x-api-key", "test-ingest-key").contentType("application/json").body(launches)
                .post("/ingest/cloudtrail").then().statusCode(200);

        waiting().until(ExpectedConditions.textToBePresentInElementLocated(By.id("findings-table"),
                "gpu-launch-needs-team-tag"));
        waiting().until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#actions-feed li[data-outcome=DRY_RUN]")));
        waiting().until(d -> !d.findElement(By.id("rate-all")).getText().equals("–"));
        waiting().until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#chart .uplot canvas")));
        assertThat(driver.findElement(By.id("rate-all")).getText()).startsWith("$").endsWith("/h");
        String dryRunId = waiting().until(d -> d.findElement(By.cssSelector("#actions-feed li[data-outcome=DRY_RUN]"))
                .getAttribute("data-action"));
        By dryRunRequests = By.cssSelector("#actions-feed li[data-action='" + dryRunId + "'] details");
        // Clicked again only while still closed: a redraw between the press and the release (the feed is
        // rebuilt on every action) swallows a click without an error.
        // Opened details survive the feed being redrawn by newer actions; the exact request is in them.
        // Each request shows its operation and the endpoint it would go to (here the test's endpoint override).
        waiting().until(d -> {
            if (d.findElement(dryRunRequests).getAttribute("open") == null) {
                d.findElement(By.cssSelector("#actions-feed li[data-action='" + dryRunId + "'] summary")).click();
                return false;
            }
            return d.findElement(dryRunRequests).getText().matches("(?s).*(Stop|Update|Run|Create)\\w*  http://.*");
        });

        String actionId = enforcedStop();
        By undo = By.cssSelector("#actions-feed li[data-action='" + actionId + "'] button[data-undo]");
        waiting().until(ExpectedConditions.elementToBeClickable(undo));
        // Pressed until the page says the server took it (a click lost to a redraw leaves no message).
        waiting().until(d -> {
            if (d.findElement(By.id("action-message")).getText().startsWith("undo requested")) {
                return true;
            }
            WebElement button = d.findElement(undo);
            if (button.isEnabled()) {
                button.click();
            }
            return false;
        });
        waiting().until(ExpectedConditions.textToBePresentInElementLocated(By.id("actions-feed"), "undone by ops"));
        FakeAwsEndpoint.server.verify(1, postRequestedFor(urlEqualTo("/"))
                .withRequestBody(containing("Action=StartInstances&Version=2016-11-15&InstanceId.1=" + INSTANCE)));
        assertThat(js.executeScript("return window.__sameLoad;")).as("no reload").isEqualTo("yes");
        screenshot();

        // A viewer sees the same page, cannot press undo, and the server refuses it anyway. The viewer's page
        // is also the regression test for a race CI once lost: an action recorded after the page started
        // but before its stream reached the server must still show up.
        driver.manage().deleteAllCookies();
        String second = signInWhileAnActionLands(SecuredApp.VIEWER_TOKEN, "i-0dash0000000000002", false);
        By viewersUndo = By.cssSelector("#actions-feed li[data-action='" + second + "'] button[data-undo]");
        waiting().until(ExpectedConditions.presenceOfElementLocated(viewersUndo));
        // Disabled for a viewer, with why: the wait fails (times out) if the button is ever offered as usable.
        Boolean disabled = waiting().until(d -> !d.findElement(viewersUndo).isEnabled()
                && "operators only".equals(d.findElement(viewersUndo).getAttribute("title")));
        assertThat(disabled).isTrue();
        Object status = js.executeAsyncScript("const done = arguments[arguments.length - 1];"
                + "fetch('/api/actions/" + second + "/undo', {method: 'POST', credentials: 'same-origin'})"
                + ".then(r => done(r.status));");
        assertThat(status).isEqualTo(403L);

        // The same, with the stream's first attempt failing: the page shows a snapshot at once, and reads it
        // again once its stream is registered.
        driver.manage().deleteAllCookies();
        String third = signInWhileAnActionLands(SecuredApp.VIEWER_TOKEN, "i-0dash0000000000003", true);
        waiting().until(ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("#actions-feed li[data-action='" + third + "'] button[data-undo]")));
    }

    /**
     * Signs in with the page's stream held back (test resource dashboard/hold-stream.js). Once the page has
     * finished every fetch it makes before its stream is registered, an enforced stop is recorded, and only
     * then does the stream reach the server. The action must show up all the same. Without a failure the
     * page must not have read its snapshot before the release; with {@code streamFailsFirst} the stream's
     * first attempt fails, the page shows a snapshot anyway and must read it again once the stream is
     * registered. (CI once lost such an action.)
     */
    private String signInWhileAnActionLands(String token, String instance, boolean streamFailsFirst) throws Exception {
        String hold = new String(getClass().getResourceAsStream("/dashboard/hold-stream.js").readAllBytes(),
                java.nio.charset.StandardCharsets.UTF_8);
        Object script = driver.executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", Map.of("source", hold))
                .get("identifier");
        try {
            driver.get(url());
            WebElement field = waiting().until(ExpectedConditions.visibilityOfElementLocated(By.id("token")));
            field.sendKeys(token);
            driver.findElement(By.cssSelector("#login-form button[type=submit]")).click();
            waiting().until(d -> Boolean.TRUE.equals(((JavascriptExecutor) d)
                    .executeScript("return window.__streamRequested && window.__inFlight === 0;")));
            if (streamFailsFirst) {
                driver.executeScript("window.__failStream();");
                waiting().until(ExpectedConditions.textToBe(By.id("status"), "reconnecting…"));
                waiting().until(d -> Boolean.TRUE.equals(((JavascriptExecutor) d)
                        .executeScript("return window.__inFlight === 0 && window.__fetched.some(u => u.startsWith('/api/actions'));")));
            } else {
                assertThat(driver.executeScript("return window.__fetched.filter(u => u !== '/api/session');"))
                        .as("nothing read before the stream is registered").asList().isEmpty();
            }
            String actionId = enforcedStopOf(instance);
            await().atMost(Duration.ofSeconds(60)).until(() -> "SUCCEEDED".equals(given()
                    .header("Authorization", "Bearer " + token).get("/api/actions?limit=500").then().statusCode(200)
                    .extract().jsonPath().getString("items.find { it.actionId == '" + actionId + "' }.outcome")));
            driver.executeScript("window.__releaseStream();");
            waiting().until(ExpectedConditions.textToBe(By.id("status"), "live"));
            return actionId;
        } finally {
            driver.executeCdpCommand("Page.removeScriptToEvaluateOnNewDocument", Map.of("identifier", script));
        }
    }

    private String enforcedStop() throws Exception {
        return enforcedStopOf(INSTANCE);
    }

    /** An enforced stop executed by the app's actions role against WireMock, as a policy in enforce would ask. */
    private String enforcedStopOf(String instance) throws Exception {
        String scenario = "dash-" + instance;
        FakeAwsEndpoint.server.stubFor(post("/").withRequestBody(containing("Action=DescribeInstances&"))
                .withRequestBody(containing(instance)).inScenario(scenario).whenScenarioStateIs(Scenario.STARTED)
                .willSetStateTo("stopped").willReturn(xml(describe(instance, 16, "running"))));
        FakeAwsEndpoint.server.stubFor(post("/").withRequestBody(containing("Action=DescribeInstances&"))
                .withRequestBody(containing(instance)).inScenario(scenario).whenScenarioStateIs("stopped")
                .willReturn(xml(describe(instance, 80, "stopped"))));
        FakeAwsEndpoint.server.stubFor(post("/").withRequestBody(containing("Action=StopInstances&"))
                .willReturn(xml("<StopInstancesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>s"
                        + "</requestId><instancesSet/></StopInstancesResponse>")));
        FakeAwsEndpoint.server.stubFor(post("/").withRequestBody(containing("Action=StartInstances&"))
                .willReturn(xml("<StartInstancesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>st"
                        + "</requestId><instancesSet/></StartInstancesResponse>")));
        ResourceKind kind = ResourceKind.EC2_INSTANCE;
        String arn = kind.arn("us-east-1", "123456789012", instance);
        String findingId = Ids.finding("idle-instances", arn, "window:dashboard");
        ActionRequest r = new ActionRequest(ActionRequest.SCHEMA_VERSION, Ids.action(findingId, ActionKind.STOP), findingId,
                "idle-instances", "v1", ActionKind.STOP, Mode.ENFORCE, arn, kind, instance, "123456789012", "us-east-1",
                Instant.now());
        try (KafkaProducer<String, ActionRequest> producer = new KafkaProducer<>(Map.copyOf(kafka.clientSettings()),
                Topics.ACTIONS.keySerde().serializer(), Topics.ACTIONS.valueSerde().serializer())) {
            producer.send(new ProducerRecord<>(Topics.ACTIONS.name(), arn, r)).get(30, TimeUnit.SECONDS);
        }
        return r.actionId();
    }

    private static String describe(String id, int code, String state) {
        return "<DescribeInstancesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>d</requestId>"
                + "<reservationSet><item><instancesSet><item><instanceId>" + id + "</instanceId><instanceType>g5.xlarge"
                + "</instanceType><instanceState><code>" + code + "</code><name>" + state + "</name></instanceState>"
                + "</item></instancesSet></item></reservationSet></DescribeInstancesResponse>";
    }

    private static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder xml(String body) {
        return aResponse().withStatus(200).withHeader("Content-Type", "text/xml").withBody(body);
    }

    private static void screenshot() throws Exception {
        File shot = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
        Path target = Path.of("target", "dashboard.png");
        Files.copy(shot.toPath(), target, StandardCopyOption.REPLACE_EXISTING);
        if ("docs".equals(System.getProperty("dashboard.screenshot"))) {
            Path docs = Path.of("..", "docs", "images", "dashboard.png");
            Files.createDirectories(docs.getParent());
            Files.copy(shot.toPath(), docs, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
