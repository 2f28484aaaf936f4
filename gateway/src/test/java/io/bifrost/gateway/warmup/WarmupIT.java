package io.bifrost.gateway.warmup;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.bifrost.gateway.Gateway;
import io.bifrost.gateway.config.GatewayConfig;
import io.bifrost.gateway.config.RecoverySettings;
import io.bifrost.gateway.testkit.RecoveryKit;
import io.bifrost.gateway.testkit.TestGateway;
import io.bifrost.gateway.testkit.WsClient;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The warm-up against real gateways over real sockets: it runs on a twin, counts nothing on the gateway, lets the
 * gateway serve meanwhile, holds readiness until it is over, and stops at its budget or when the gateway stops.
 */
class WarmupIT {
    private static final Duration GENEROUS = Duration.ofSeconds(120);

    private static Gateway start(Duration warmup) {
        return Gateway.start(GatewayConfig.embedded(TestGateway.SECRET).withWarmup(warmup));
    }

    @Test
    void aGatewayServesWhileItWarmsUpOnATwinAndCountsNoneOfTheTwinsTraffic() throws Exception {
        try (Gateway gateway = start(GENEROUS)) {
            TestGateway.Reply ready = TestGateway.get(gateway.uri(), "/health/ready");
            assertEquals(503, ready.status());
            assertEquals("{\"status\":\"DOWN\",\"detail\":\"warming up\"}", ready.body());
            try (WsClient user = TestGateway.subscriber(gateway, "user:1")) {
                assertEquals(1, RecoveryKit.deliveries(TestGateway.broadcast(gateway, "user:1", "e", "during")));
                assertEquals("{\"event\":\"e\",\"data\":\"during\"}", user.nextText(TestGateway.WAIT));
                // Still warming: the broadcast above was served by the gateway meanwhile, not after.
                assertEquals(503, TestGateway.get(gateway.uri(), "/health/ready").status());

                Warmup.Result result = gateway.warmedUp().get(GENEROUS.toSeconds(), TimeUnit.SECONDS);
                assertEquals("", result.stoppedEarly().orElse(""), "why the warm-up stopped early");
                assertTrue(result.connects() >= Warmup.TARGET, "sockets the warm-up opened: " + result.connects());
                assertTrue(result.broadcasts() >= Warmup.TARGET, "broadcasts it sent: " + result.broadcasts());

                assertEquals(200, TestGateway.get(gateway.uri(), "/health/ready").status());
                assertEquals(1, gateway.stats().broadcastsAccepted());
                assertEquals("{\"stats\":{\"deliveries\":1,\"connected\":1,\"authenticated\":1,\"channels\":1},"
                        + "\"bus\":\"in-process\"}", TestGateway.get(gateway.uri(), "/info.json").body());
                assertEquals(1, RecoveryKit.metric(gateway.uri(), "bifrost_broadcasts_accepted_total"));
            }
        }
    }

    @Test
    void theWarmupGivesEachBroadcastAJtiWhenTheGatewayRequiresOne() throws Exception {
        GatewayConfig config = GatewayConfig.embedded(TestGateway.SECRET).withWarmup(GENEROUS)
                .withRecovery(RecoverySettings.DEFAULTS.withRequireJti(true));
        try (Gateway gateway = Gateway.start(config)) {
            Warmup.Result result = gateway.warmedUp().get(GENEROUS.toSeconds(), TimeUnit.SECONDS);
            assertEquals("", result.stoppedEarly().orElse(""), "why the warm-up stopped early");
            assertTrue(result.broadcasts() >= Warmup.TARGET, "broadcasts it sent: " + result.broadcasts());
        }
    }

    @Test
    void aWarmupStopsAtItsBudgetAndReadinessFollows() throws Exception {
        try (Gateway gateway = start(Duration.ofSeconds(1))) {
            Warmup.Result result = gateway.warmedUp().get(GENEROUS.toSeconds(), TimeUnit.SECONDS);
            assertEquals("its budget of 1 s was spent", result.stoppedEarly().orElse(""));
            assertTrue(result.connects() < Warmup.TARGET, "sockets the warm-up opened: " + result.connects());
            assertEquals(200, TestGateway.get(gateway.uri(), "/health/ready").status());
        }
    }

    @Test
    void closingTheGatewayStopsItsWarmup() throws Exception {
        Gateway gateway = start(GENEROUS);
        gateway.close();
        Warmup.Result result = gateway.warmedUp().get(GENEROUS.toSeconds(), TimeUnit.SECONDS);
        assertTrue(result.stoppedEarly().isPresent(), "a warm-up that went on after its gateway closed: " + result);
        assertTrue(result.connects() < Warmup.TARGET, "sockets the warm-up opened: " + result.connects());
    }
}
