package io.bifrost.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.testcontainers.DockerClientFactory;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The gateway image for the container tests, built by {@code docker build} from docker/Dockerfile and the jar of
 * this build (-Dbifrost.jar, its libs/ beside it), on the local base {@code bifrost/jre:local} that
 * .ci/jre-image.sh makes (no registry here). Built once per JVM; Docker's layer cache makes a rebuild of an
 * unchanged jar take seconds.
 */
public final class LocalGatewayImage {
    /** The tag built, which {@link GatewayContainer#DEFAULT_IMAGE} runs. */
    public static final String NAME = GatewayContainer.DEFAULT_IMAGE;
    /** The base and builder image: -Dbifrost.image.base, e.g. eclipse-temurin:21-jre where a registry answers. */
    public static final String BASE = System.getProperty("bifrost.image.base", "bifrost/jre:local");
    private static final long BUILD_SECONDS = 180;
    private static final String LABEL = "org.bifrost.test-image=gateway";
    // Set on bifrost/jre:local by .ci/jre-image.sh.
    private static final String JRE_LABEL = "org.bifrost.jre.source";

    private LocalGatewayImage() {
    }

    /**
     * Skips the calling test (a JUnit assumption) when no Docker engine answers; otherwise builds the image once.
     *
     * @return {@link #NAME}
     */
    public static String build() {
        boolean cli = cliAnswers();
        boolean testcontainers = testcontainersAnswers();
        assumeTrue(cli || testcontainers,
                "no Docker engine answers: the container tests need one (bin/setup starts it)");
        if (cli != testcontainers) {
            // The image is built with the CLI and run with Testcontainers: both must reach the same engine.
            throw new IllegalStateException("the docker CLI " + (cli ? "reaches" : "does not reach")
                    + " an engine but Testcontainers " + (testcontainers ? "does" : "does not")
                    + "; point both at one engine (DOCKER_HOST, docker context, ~/.testcontainers.properties)");
        }
        return Built.NAME;
    }

    private static boolean testcontainersAnswers() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static boolean cliAnswers() {
        try {
            Process version = new ProcessBuilder("docker", "version", "--format", "{{.Server.Version}}")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!version.waitFor(30, TimeUnit.SECONDS)) {
                version.destroyForcibly();
                return false;
            }
            return version.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    // The holder idiom: the build runs on first use, once, and its failure fails every test that needs it.
    private static final class Built {
        static final String NAME = buildNow();
    }

    private static String buildNow() {
        Path jar = Path.of(required("bifrost.jar"));
        Path dockerfile = Path.of(required("bifrost.dockerfile"));
        Path libs = jar.resolveSibling("libs");
        if (!Files.isRegularFile(jar) || !Files.isDirectory(libs)) {
            throw new IllegalStateException(jar + " or " + libs + " is missing: package the gateway first "
                    + "(./mvnw -pl protocol,gateway package)");
        }
        Path context = null;
        try {
            // A context of only what the image needs, laid out as the Dockerfile expects a prebuilt jar.
            context = Files.createTempDirectory("bifrost-image");
            Path target = Files.createDirectories(context.resolve("gateway/target"));
            Files.copy(jar, target.resolve("bifrost-gateway.jar"));
            Files.createDirectories(target.resolve("libs"));
            try (Stream<Path> files = Files.list(libs)) {
                for (Path lib : files.toList()) {
                    Files.copy(lib, target.resolve("libs").resolve(lib.getFileName()));
                }
            }
            List<String> command = new ArrayList<>(List.of("docker", "build", "-q", "-f", dockerfile.toString(),
                    "--build-arg", "BASE=" + BASE, "--build-arg", "BUILDER=" + BASE, "--label", LABEL,
                    "-t", NAME, context.toString()));
            Path log = Files.createTempFile("bifrost-image-build", ".log");
            long started = System.nanoTime();
            Process build = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!build.waitFor(BUILD_SECONDS, TimeUnit.SECONDS)) {
                build.destroyForcibly();
                throw new IllegalStateException("docker build of " + NAME + " took over " + BUILD_SECONDS + " s; "
                        + "its output: " + Files.readString(log, StandardCharsets.UTF_8));
            }
            String output = Files.readString(log, StandardCharsets.UTF_8);
            Files.deleteIfExists(log);
            if (build.exitValue() != 0) {
                throw new IllegalStateException("docker build of " + NAME + " failed (exit " + build.exitValue()
                        + "); is the base " + BASE + " there? bin/setup makes it (.ci/jre-image.sh). Output: "
                        + output);
            }
            // The image this tag named before (an older jar) and the build stage's image are left untagged: removed,
            // so a CI machine's disk does not fill with them build after build. Only untagged images go that carry
            // our label or the local base's (which every image built on it inherits); nothing else is touched.
            for (String label : List.of(LABEL, JRE_LABEL)) {
                new ProcessBuilder("docker", "image", "prune", "-f", "--filter", "label=" + label)
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start()
                        .waitFor(60, TimeUnit.SECONDS);
            }
            System.err.println("[gateway image] " + NAME + " built on " + BASE + " from " + jar + " in "
                    + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started) + " ms");
            return NAME;
        } catch (IOException e) {
            throw new IllegalStateException("could not build " + NAME + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while building " + NAME, e);
        } finally {
            delete(context);
        }
    }

    private static String required(String property) {
        String value = System.getProperty(property);
        if (value == null) {
            throw new IllegalStateException("-D" + property + " is not set: the Maven build sets it (run the test "
                    + "through ./mvnw verify)");
        }
        return value;
    }

    private static void delete(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            // A temporary directory left behind is not worth failing a test for.
        }
    }
}
