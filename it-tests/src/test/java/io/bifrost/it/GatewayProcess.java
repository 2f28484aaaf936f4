package io.bifrost.it;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The gateway as users run it: {@code java -jar bifrost-gateway.jar} in its own process, configured only through
 * environment variables, with its output kept in a log file for the test to read.
 */
public final class GatewayProcess implements AutoCloseable {
    private final Process process;
    private final int port;
    private final Path log;

    private GatewayProcess(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /**
     * Starts the jar and returns once it answers {@code /info.json}.
     *
     * @param env     its environment (added to the test's, less any BIFROST_, JWT_SECRET, KEMAL_ENV, PORT, REDIS_URL)
     * @param workDir its working directory
     * @return the running gateway
     * @throws IOException          if it cannot be started
     * @throws InterruptedException if interrupted while waiting for it
     */
    public static GatewayProcess start(Map<String, String> env, Path workDir) throws IOException, InterruptedException {
        return start(env, workDir, 0);
    }

    /**
     * Starts the jar under a lowered open-file limit ({@code ulimit -n}), as an attacker would find a small host.
     *
     * @param env           its environment
     * @param workDir       its working directory
     * @param openFileLimit the limit, or 0 to inherit the test's
     * @return the running gateway
     * @throws IOException          if it cannot be started
     * @throws InterruptedException if interrupted while waiting for it
     */
    public static GatewayProcess start(Map<String, String> env, Path workDir, int openFileLimit)
            throws IOException, InterruptedException {
        String jar = System.getProperty("bifrost.jar");
        if (jar == null || !Files.isRegularFile(Path.of(jar))) {
            throw new IllegalStateException("bifrost.jar is " + jar + "; run the tests with ./mvnw verify so the"
                    + " gateway jar is built first");
        }
        int port = freePort();
        Path log = Files.createTempFile("bifrost-gateway", ".log");
        // The JVM running the tests is a JDK 21+ (the toolchain picked it); the gateway runs on the same one.
        String java = ProcessHandle.current().info().command().orElse("java");
        String absoluteJar = Path.of(jar).toAbsolutePath().toString();
        ProcessBuilder builder = (openFileLimit > 0
                // exec: the shell becomes the JVM, so destroy() signals the gateway itself.
                ? new ProcessBuilder("bash", "-c", "ulimit -n " + openFileLimit + " && exec \"$0\" -jar \"$1\"", java,
                        absoluteJar)
                : new ProcessBuilder(java, "-jar", absoluteJar))
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().keySet().removeIf(k -> k.startsWith("BIFROST_") || k.equals("JWT_SECRET")
                || k.equals("KEMAL_ENV") || k.equals("PORT") || k.equals("REDIS_URL"));
        builder.environment().put("PORT", String.valueOf(port));
        // The suite starts dozens of production gateways: none warms up unless the test asks (WarmupIT does).
        builder.environment().put("BIFROST_WARMUP_SECONDS", "0");
        builder.environment().putAll(env);
        GatewayProcess gateway = new GatewayProcess(builder.start(), port, log);
        gateway.awaitReady(Duration.ofSeconds(30));
        return gateway;
    }

    /**
     * @return {@code http://127.0.0.1:<port>/}
     */
    public URI uri() {
        return URI.create("http://127.0.0.1:" + port + "/");
    }

    /**
     * @return everything the gateway has written to stdout and stderr so far
     * @throws IOException if the log cannot be read
     */
    public String log() throws IOException {
        return Files.readString(log);
    }

    /**
     * @return the gateway's process
     */
    public Process process() {
        return process;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            // Closing must not throw InterruptedException (AutoCloseable): kill it now and keep the flag.
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private void awaitReady(Duration timeout) throws IOException, InterruptedException {
        // Closed on return: its pooled keep-alive connection would otherwise hold one of the gateway's connections.
        try (HttpClient http = HttpClient.newHttpClient()) {
            awaitReady(http, timeout);
        }
    }

    private void awaitReady(HttpClient http, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("gateway exited with " + process.exitValue() + ":\n" + log());
            }
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri().resolve("/info.json"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        process.destroyForcibly();
        throw new IllegalStateException("gateway not ready within " + timeout + ":\n" + log());
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
