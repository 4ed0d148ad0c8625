package io.costwarden.actions;

import static io.costwarden.actions.FakeAws.ec2Instance;
import static io.costwarden.actions.FakeAws.ec2Stopping;
import static io.costwarden.actions.FakeAws.query;
import static io.costwarden.actions.FakeAws.xml;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.costwarden.actions.aws.AwsClients;
import io.costwarden.model.ActionKind;
import io.costwarden.model.ActionRequest;
import io.costwarden.model.ActionResult;
import io.costwarden.model.Ids;
import io.costwarden.model.Mode;
import io.costwarden.model.Outcome;
import io.costwarden.model.ResourceKind;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Cross-account access only through STS AssumeRole: the exact AssumeRole request, the calls in the other
 * account signed with the role's credentials, Costwarden's own account with its own, and a refused role
 * recorded without any call in that account. STS goes to the same endpoint override as EC2.
 */
class AssumeRoleTest {
    static final String OWN = "111111111111";
    static final String OTHER = "222222222222";
    static final String ASSUMED_KEY = "ASIAASSUMEDEXAMPLE";
    static final String SESSION_TOKEN = "FwoGZXIvYXdzEXAMPLEsessiontoken";
    static final String ASSUME_ROLE = "Action=AssumeRole&Version=2011-06-15"
            + "&RoleArn=arn%3Aaws%3Aiam%3A%3A" + OTHER + "%3Arole%2Fcostwarden-actions"
            + "&RoleSessionName=costwarden-actions&ExternalId=cw-7f3a9c";

    private FakeAws aws;
    private AwsClients clients;
    private Executor executor;

    @BeforeEach
    void start() {
        aws = new FakeAws();
        clients = aws.clients(Optional.of(new AwsClients.AssumeRole("costwarden-actions", "cw-7f3a9c")));
        executor = Executor.over(clients, false, new SimpleMeterRegistry(), Clock.systemUTC());
        aws.stub(query("GetCallerIdentity"), xml(200, """
                <GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
                  <GetCallerIdentityResult>
                    <Arn>arn:aws:iam::%s:user/costwarden</Arn><UserId>AIDAEXAMPLE</UserId><Account>%s</Account>
                  </GetCallerIdentityResult>
                  <ResponseMetadata><RequestId>sts-identity-1</RequestId></ResponseMetadata>
                </GetCallerIdentityResponse>""".formatted(OWN, OWN)));
        aws.stub(query("DescribeInstances"), ec2Instance("i-1", "running", "describe-1"));
        aws.stub(query("StopInstances"), ec2Stopping("i-1", "stop-1"));
    }

    @AfterEach
    void stop() {
        clients.close();
        aws.close();
    }

    void roleGranted() {
        aws.stub(query("AssumeRole"), xml(200, """
                <AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
                  <AssumeRoleResult>
                    <AssumedRoleUser>
                      <Arn>arn:aws:sts::%s:assumed-role/costwarden-actions/costwarden-actions</Arn>
                      <AssumedRoleId>AROAEXAMPLE:costwarden-actions</AssumedRoleId>
                    </AssumedRoleUser>
                    <Credentials>
                      <AccessKeyId>%s</AccessKeyId>
                      <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY</SecretAccessKey>
                      <SessionToken>%s</SessionToken>
                      <Expiration>2099-01-01T00:00:00Z</Expiration>
                    </Credentials>
                  </AssumeRoleResult>
                  <ResponseMetadata><RequestId>sts-assume-1</RequestId></ResponseMetadata>
                </AssumeRoleResponse>""".formatted(OTHER, ASSUMED_KEY, SESSION_TOKEN)));
    }

    static ActionRequest stop(String account, String instanceId, Mode mode) {
        ResourceKind kind = ResourceKind.EC2_INSTANCE;
        String arn = kind.arn("us-east-1", account, instanceId);
        String findingId = Ids.finding("p", arn, "event:e1");
        return new ActionRequest(ActionRequest.SCHEMA_VERSION, Ids.action(findingId, ActionKind.STOP), findingId, "p", "v1",
                ActionKind.STOP, mode, arn, kind, instanceId, account, "us-east-1", Instant.parse("2026-11-20T10:00:00Z"));
    }

    static String signingKey(LoggedRequest r) {
        String auth = r.getHeader("Authorization");
        int at = auth.indexOf("Credential=") + "Credential=".length();
        return auth.substring(at, auth.indexOf('/', at));
    }

    @Test
    void anotherAccountIsReachedThroughTheAssumedRole() {
        roleGranted();

        ActionResult r = executor.execute(stop(OTHER, "i-1", Mode.ENFORCE));

        assertThat(r.outcome()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(aws.calls()).containsExactly("GetCallerIdentity", "AssumeRole", "DescribeInstances", "StopInstances");
        assertThat(aws.only("GetCallerIdentity").getBodyAsString()).isEqualTo("Action=GetCallerIdentity&Version=2011-06-15");
        assertThat(aws.only("AssumeRole").getBodyAsString()).isEqualTo(ASSUME_ROLE);
        assertThat(signingKey(aws.only("AssumeRole"))).as("STS is called with Costwarden's own credentials")
                .isEqualTo(FakeAws.OWN_KEY);
        for (String call : new String[] {"DescribeInstances", "StopInstances"}) {
            assertThat(signingKey(aws.only(call))).as(call).isEqualTo(ASSUMED_KEY);
            assertThat(aws.only(call).getHeader("X-Amz-Security-Token")).as(call).isEqualTo(SESSION_TOKEN);
        }
    }

    @Test
    void theRolesCredentialsAreKeptForTheNextAction() {
        roleGranted();

        executor.execute(stop(OTHER, "i-1", Mode.ENFORCE));
        executor.execute(stop(OTHER, "i-2", Mode.ENFORCE));

        assertThat(aws.calls()).containsExactly("GetCallerIdentity", "AssumeRole", "DescribeInstances", "StopInstances",
                "DescribeInstances", "StopInstances");
    }

    @Test
    void costwardensOwnAccountUsesItsOwnCredentials() {
        roleGranted();

        ActionResult r = executor.execute(stop(OWN, "i-1", Mode.ENFORCE));

        assertThat(r.outcome()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(aws.calls()).containsExactly("GetCallerIdentity", "DescribeInstances", "StopInstances");
        assertThat(signingKey(aws.only("StopInstances"))).isEqualTo(FakeAws.OWN_KEY);
        assertThat(aws.only("StopInstances").getHeader("X-Amz-Security-Token")).isNull();
    }

    @Test
    void aRefusedRoleIsRecordedWithItsCodeAndNothingIsSentToTheAccount() {
        aws.stub(query("AssumeRole"), xml(403, """
                <ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
                  <Error><Type>Sender</Type><Code>AccessDenied</Code>
                    <Message>User: arn:aws:iam::111111111111:user/costwarden is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::222222222222:role/costwarden-actions</Message>
                  </Error>
                  <RequestId>sts-denied-1</RequestId>
                </ErrorResponse>"""));

        ActionResult r = executor.execute(stop(OTHER, "i-1", Mode.ENFORCE));

        assertThat(r.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(r.errorCode()).isEqualTo("AccessDenied");
        assertThat(r.awsRequestId()).isEqualTo("sts-denied-1");
        assertThat(r.message()).contains("not authorized to perform: sts:AssumeRole");
        assertThat(aws.calls()).as("refused once, not retried; nothing sent to the account")
                .containsExactly("GetCallerIdentity", "AssumeRole");
    }

    @Test
    void withoutARoleEveryAccountUsesTheOwnCredentialsAndStsIsNeverCalled() {
        try (AwsClients plain = aws.clients()) {
            ActionResult r = Executor.over(plain, false, new SimpleMeterRegistry(), Clock.systemUTC())
                    .execute(stop(OTHER, "i-1", Mode.ENFORCE));

            assertThat(r.outcome()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(aws.calls()).containsExactly("DescribeInstances", "StopInstances");
            assertThat(signingKey(aws.only("StopInstances"))).isEqualTo(FakeAws.OWN_KEY);
        }
    }

    @Test
    void aDryRunInAnotherAccountCallsNothingAtAll() {
        ActionResult r = executor.execute(stop(OTHER, "i-1", Mode.DRY_RUN));

        assertThat(r.outcome()).isEqualTo(Outcome.DRY_RUN);
        assertThat(aws.calls()).isEmpty();
    }

    @Test
    void theRoleIsInThePartitionOfTheResourcesRegion() {
        AwsClients.AssumeRole role = new AwsClients.AssumeRole("costwarden-actions", "");
        assertThat(role.roleArn(OTHER, "eu-west-1")).isEqualTo("arn:aws:iam::222222222222:role/costwarden-actions");
        assertThat(role.roleArn(OTHER, "cn-north-1")).isEqualTo("arn:aws-cn:iam::222222222222:role/costwarden-actions");
        assertThat(role.roleArn(OTHER, "us-gov-west-1")).isEqualTo("arn:aws-us-gov:iam::222222222222:role/costwarden-actions");
    }
}
