package io.bifrost.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.bifrost.gateway.Gateway;
import io.bifrost.gateway.config.GatewayConfig;
import io.bifrost.gateway.config.RedisSettings;
import io.bifrost.gateway.testkit.TestGateway;
import io.bifrost.gateway.testkit.WsClient;
import io.bifrost.it.redis.RedisServer;
import io.bifrost.it.redis.RedisServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static io.bifrost.gateway.testkit.TestGateway.WAIT;
import static io.bifrost.it.FaultKit.awaitClusterCount;
import static io.bifrost.gateway.testkit.TestGateway.broadcast;
import static io.bifrost.it.FaultKit.frame;
import static io.bifrost.gateway.testkit.TestGateway.subscriber;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Scenario 5: a TLS-only Redis ({@code rediss://}) presenting a certificate from a CA the JVM does not trust, as
 * Heroku Redis does. With the default verification the gateway refuses to start and says what to set; with
 * {@code REDIS_TLS_VERIFY=none} instances form a cluster over TLS.
 */
class RedisTlsIT {
    @TempDir
    static Path tlsDir;
    private static RedisServer redis;

    @BeforeAll
    static void startTlsRedis() throws Exception {
        makeCertificates(tlsDir);
        redis = RedisServers.start(RedisServers.Kind.AUTO, new RedisServers.Tls(tlsDir));
    }

    @AfterAll
    static void stopRedis() {
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void serverSpeaksOnlyTls() {
        assertTrue(redis.url().startsWith("rediss://127.0.0.1:"), redis.url());
    }

    @Test
    void executableRefusesToStartWhenTheCertificateDoesNotVerifyAndNamesTheSetting(@TempDir Path dir)
            throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder builder = new ProcessBuilder(java, "-jar", System.getProperty("bifrost.jar"))
                .directory(dir.toFile()).redirectErrorStream(true);
        builder.environment().keySet().removeIf(k -> k.startsWith("BIFROST_") || k.startsWith("REDIS_")
                || k.equals("JWT_SECRET") || k.equals("KEMAL_ENV") || k.equals("PORT"));
        builder.environment().putAll(Map.of("REDIS_URL", redis.url(), "JWT_SECRET", TestGateway.SECRET,
                "BIFROST_ENV", "development", "BIFROST_INSTANCE_ID", "tls-full", "PORT", "0"));
        Process process = builder.start();
        try {
            assertTrue(process.waitFor(30, TimeUnit.SECONDS), "the gateway should exit at once");
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertNotEquals(0, process.exitValue(), output);
            assertTrue(output.contains("REDIS_TLS_VERIFY"), output);
            assertTrue(output.contains("certificate"), output);
        } finally {
            process.destroyForcibly();
        }
    }

    @Test
    void embeddedGatewayRefusesToStartWhenTheCertificateDoesNotVerify() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Gateway.start(
                GatewayConfig.embedded(TestGateway.SECRET).withRedis(RedisSettings.of(redis.url(), "tls-embedded"))));
        assertTrue(e.getMessage().contains("certificate"), e.getMessage());
        assertTrue(e.getMessage().contains("REDIS_TLS_VERIFY=none"), e.getMessage());
    }

    @Test
    void withoutVerificationTwoInstancesDeliverAcrossEachOtherOverTls(@TempDir Path dir) throws Exception {
        try (GatewayProcess process = GatewayProcess.start(Map.of("REDIS_URL", redis.url(),
                "REDIS_TLS_VERIFY", "none", "JWT_SECRET", TestGateway.SECRET, "BIFROST_ENV", "development",
                "BIFROST_INSTANCE_ID", "tls-process"), dir);
             Gateway embedded = Gateway.start(GatewayConfig.embedded(TestGateway.SECRET).withRedis(
                     RedisSettings.of(redis.url(), "tls-embedded").withTlsVerify(RedisSettings.TlsVerify.NONE)));
             WsClient onProcess = subscriber(process.uri(), "tls");
             WsClient onEmbedded = subscriber(embedded.uri(), "tls")) {
            TestGateway.Reply ready = TestGateway.get(embedded.uri(), "/health/ready");
            assertEquals(200, ready.status(), ready.body());
            assertTrue(ready.body().contains("TLS, verify none"), ready.body());
            assertTrue(process.log().contains("TLS, verify none"), process.log());

            awaitClusterCount(List.of(embedded), "tls", 2, WAIT);
            assertEquals("{\"message\":\"Success\",\"deliveries\":2}",
                    broadcast(process.uri(), "tls", "e", "from-process").body());
            assertEquals("{\"message\":\"Success\",\"deliveries\":2}",
                    broadcast(embedded.uri(), "tls", "e", "from-embedded").body());
            for (WsClient client : List.of(onProcess, onEmbedded)) {
                assertEquals(frame("e", "from-process"), client.nextText(WAIT));
                assertEquals(frame("e", "from-embedded"), client.nextText(WAIT));
            }
        }
    }

    /** A CA and a server certificate it signed (localhost, 127.0.0.1), readable by whoever runs redis-server. */
    static void makeCertificates(Path dir) throws IOException, InterruptedException {
        Files.writeString(dir.resolve("server.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n"
                + "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n");
        openssl(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca-key.pem", "-out", "ca.pem",
                "-days", "2", "-subj", "/CN=Bifrost Test CA", "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        openssl(dir, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "key.pem", "-out", "server.csr",
                "-subj", "/CN=localhost");
        openssl(dir, "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem",
                "-CAcreateserial", "-out", "cert.pem", "-days", "2", "-extfile", "server.ext");
        // The container's redis-server may run as another user; the directory is a bind mount.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        for (String file : List.of("ca.pem", "cert.pem", "key.pem")) {
            Files.setPosixFilePermissions(dir.resolve(file), PosixFilePermissions.fromString("rw-r--r--"));
        }
    }

    private static void openssl(Path dir, String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>();
        command.add("openssl");
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            process.destroyForcibly();
            throw new IllegalStateException("openssl " + String.join(" ", args) + " failed:\n" + output);
        }
    }
}
