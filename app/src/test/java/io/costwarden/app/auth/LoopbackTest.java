package io.costwarden.app.auth;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What counts as loopback: literal names and addresses only, never what a name resolves to. */
class LoopbackTest {
    @Test
    void loopbackIsLocalhostOr127OrColonColonOneWithOrWithoutAPort() {
        assertThat(ApiAuth.loopback("localhost")).isTrue();
        assertThat(ApiAuth.loopback("LOCALHOST:8080")).isTrue();
        assertThat(ApiAuth.loopback("127.0.0.1")).isTrue();
        assertThat(ApiAuth.loopback("127.1.2.3:8080")).isTrue();
        assertThat(ApiAuth.loopback("::1")).isTrue();
        assertThat(ApiAuth.loopback("[::1]:8080")).isTrue();
        assertThat(ApiAuth.loopback("0.0.0.0")).isFalse();
        assertThat(ApiAuth.loopback("::")).isFalse();
        assertThat(ApiAuth.loopback("evil.example:8080")).as("a name resolving to 127.0.0.1 is not trusted").isFalse();
        assertThat(ApiAuth.loopback("127.0.0.1.evil.example")).isFalse();
        assertThat(ApiAuth.loopback(null)).isFalse();
    }
}
