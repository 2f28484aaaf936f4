package io.bifrost.it.deploy;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.HealthCheck;
import io.bifrost.protocol.SubscriberEvent;
import io.bifrost.testing.GatewayContainer;
import io.bifrost.testing.LocalGatewayImage;
import io.bifrost.testing.TestSubscriber;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * docker/Dockerfile built from this build's jar (on the local base bifrost/jre:local, see .ci/jre-image.sh) and run
 * as an operator would: Docker's own health check turns healthy, a socket subscribes and receives a broadcast, and
 * {@code docker stop} drains: the socket is closed with 1012 and the container exits 0.
 */
class ContainerImageIT {
    private static final Duration HEALTHY_WITHIN = Duration.ofSeconds(60);

    @Test
    void imageTurnsHealthyDeliversAndDrainsOnDockerStop() throws Exception {
        String image = LocalGatewayImage.build();
        DockerClient docker = org.testcontainers.DockerClientFactory.instance().client();
        HealthCheck declared = docker.inspectImageCmd(image).exec().getConfig().getHealthcheck();
        assertNotNull(declared, image + " declares no HEALTHCHECK");
        try (GatewayContainer gateway = new GatewayContainer(image)
                // The image's own check command, run every second instead of every 10 s, so the test waits less.
                .withCreateContainerCmdModifier(cmd -> cmd.withHealthcheck(new HealthCheck()
                        .withTest(declared.getTest())
                        .withInterval(TimeUnit.SECONDS.toNanos(1))
                        .withTimeout(declared.getTimeout())
                        .withRetries(declared.getRetries())
                        .withStartPeriod(declared.getStartPeriod())))) {
            gateway.start();
            assertEquals("10001", gateway.getContainerInfo().getConfig().getUser());
            assertEquals("healthy", awaitHealthy(docker, gateway.getContainerId()));

            try (TestSubscriber subscriber = gateway.subscribe("user:1")) {
                assertEquals(1, gateway.client().broadcast("user:1", "new_item", "{\"id\":7}"));
                assertEquals("{\"event\":\"new_item\",\"data\":\"{\\\"id\\\":7}\"}",
                        subscriber.awaitMessage("new_item", Duration.ofSeconds(10)).json());

                // SIGTERM, then up to 20 s before SIGKILL: the gateway drains (2 s in GatewayContainer) and exits.
                docker.stopContainerCmd(gateway.getContainerId()).withTimeout(20).exec();
                SubscriberEvent.Closed closed = subscriber.awaitEvent(SubscriberEvent.Closed.class,
                        Duration.ofSeconds(10));
                assertEquals(1012, closed.code());
            }
            InspectContainerResponse.ContainerState state = docker.inspectContainerCmd(gateway.getContainerId())
                    .exec().getState();
            assertEquals(Boolean.FALSE, state.getRunning());
            assertEquals(0L, state.getExitCodeLong(), "exit code after docker stop");
        }
    }

    // Docker's verdict from the image's HEALTHCHECK, polled until healthy or the deadline.
    private static String awaitHealthy(DockerClient docker, String id) throws InterruptedException {
        long deadline = System.nanoTime() + HEALTHY_WITHIN.toNanos();
        String status = "none";
        while (System.nanoTime() - deadline < 0) {
            InspectContainerResponse.ContainerState state = docker.inspectContainerCmd(id).exec().getState();
            status = state.getHealth() == null ? "none" : state.getHealth().getStatus();
            if ("healthy".equals(status) || "unhealthy".equals(status)) {
                return status;
            }
            Thread.sleep(250);
        }
        return status + " after " + HEALTHY_WITHIN;
    }
}
