package io.bifrost.testing;

import java.time.Duration;

import io.bifrost.protocol.SubscriberEvent;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The container flavour, exactly as docs/TESTING.md shows it: the gateway image alone, and a Redis-backed
 * cluster of two where a broadcast posted to one gateway reaches a socket on the other.
 */
class GatewayContainerIT {

    @BeforeAll
    static void image() {
        LocalGatewayImage.build();
    }

    @Test
    void broadcastReachesASubscriberOfTheContainer() throws Exception {
        try (GatewayContainer gateway = new GatewayContainer()) {
            gateway.start();
            try (TestSubscriber subscriber = gateway.subscribe("user:1")) {
                assertEquals(1, gateway.client().broadcast("user:1", "new_item", "{\"id\":7}"));
                SubscriberEvent.Message item = subscriber.awaitMessage("new_item", Duration.ofSeconds(5));
                assertEquals("{\"event\":\"new_item\",\"data\":\"{\\\"id\\\":7}\"}", item.json());
            }
        }
    }

    @Test
    void broadcastPostedToOneGatewayReachesASubscriberOnTheOther() throws Exception {
        try (GatewayCluster cluster = GatewayContainer.cluster(2);
             TestSubscriber subscriber = cluster.gateway(1).subscribe("user:1")) {
            // Delivered for sure once subscribe() returned; the count it answers may not include a socket on the other
            // instance yet (counts travel with a 1 s heartbeat, see docs/CLUSTER.md), so only the delivery is checked.
            cluster.gateway(2).client().broadcast("user:1", "new_item", "{\"id\":8}");
            assertEquals("{\"id\":8}", subscriber.awaitMessage("new_item", Duration.ofSeconds(5)).data());
            subscriber.assertNoMessage(Duration.ofMillis(300));
        }
    }
}
