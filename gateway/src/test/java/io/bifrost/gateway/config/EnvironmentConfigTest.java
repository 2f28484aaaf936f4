package io.bifrost.gateway.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EnvironmentConfigTest {
    /** Exactly the 64 bytes HS512 needs. */
    private static final String SECRET = "s3cr3t-".repeat(9) + "!";
    private static final String OTHER_SECRET = "x".repeat(64);

    @TempDir
    Path dir;

    @Test
    void secretFixtureIsExactlyTheMinimumLength() {
        assertEquals(64, SECRET.getBytes(StandardCharsets.UTF_8).length);
    }

    @Test
    void emptyEnvironmentGivesBifrostDefaults() throws Exception {
        GatewayConfig config = EnvironmentConfig.load(Map.of(), dir).config();

        assertEquals(3000, config.port());
        assertEquals("0.0.0.0", config.host());
        assertEquals(Mode.DEVELOPMENT, config.mode());
        assertEquals(Limits.DEFAULTS, config.limits());
    }

    @Test
    void portFromHerokuIsHonoured() throws Exception {
        GatewayConfig config = EnvironmentConfig.load(Map.of("PORT", "5123", "JWT_SECRET", SECRET), dir).config();

        assertEquals(5123, config.port());
        assertEquals(SECRET, config.jwtSecret());
    }

    @Test
    void developmentWithoutSecretGeneratesAThrowAwayOneAndSaysSo() throws Exception {
        EnvironmentConfig.Loaded loaded = EnvironmentConfig.load(Map.of(), dir);

        String secret = loaded.config().jwtSecret();
        assertTrue(secret.length() >= 64, "generated secret has " + secret.length() + " characters");
        assertTrue(loaded.notices().stream().anyMatch(n -> n.contains("JWT_SECRET") && n.contains("THROW-AWAY")),
                () -> "notices: " + loaded.notices());
        assertTrue(loaded.notices().stream().noneMatch(n -> n.contains(secret)), "a notice leaks the secret");
    }

    @Test
    void twoDevelopmentRunsWithoutSecretDoNotShareIt() throws Exception {
        String first = EnvironmentConfig.load(Map.of(), dir).config().jwtSecret();
        String second = EnvironmentConfig.load(Map.of(), dir).config().jwtSecret();

        assertFalse(first.equals(second), "throw-away secrets repeat");
    }

    @Test
    void productionWithoutSecretRefusesToStart() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> EnvironmentConfig.load(Map.of("BIFROST_ENV", "production"), dir));

        assertTrue(e.getMessage().contains("JWT_SECRET"), e.getMessage());
        assertTrue(e.getMessage().contains("64"), e.getMessage());
    }

    @Test
    void shortSecretIsRefusedWithItsLengthAndTheMinimum() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> EnvironmentConfig.load(Map.of("JWT_SECRET", "short"), dir));

        assertTrue(e.getMessage().startsWith("JWT_SECRET is 5 characters; HS512 needs at least 64"), e.getMessage());
    }

    @Test
    void secretOneByteShortIsRefusedInProductionToo() {
        ConfigException e = assertThrows(ConfigException.class, () -> EnvironmentConfig.load(
                Map.of("BIFROST_ENV", "production", "JWT_SECRET", "x".repeat(63)), dir));

        assertTrue(e.getMessage().startsWith("JWT_SECRET is 63 characters; HS512 needs at least 64"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"BIFROST_ENV", "KEMAL_ENV"})
    void eitherModeVariableSelectsProduction(String variable) throws Exception {
        GatewayConfig config = EnvironmentConfig.load(Map.of(variable, "production", "JWT_SECRET", SECRET), dir)
                .config();

        assertEquals(Mode.PRODUCTION, config.mode());
    }

    @Test
    void bifrostEnvWinsOverKemalEnv() throws Exception {
        GatewayConfig production = EnvironmentConfig.load(
                Map.of("BIFROST_ENV", "production", "KEMAL_ENV", "development", "JWT_SECRET", SECRET), dir).config();
        GatewayConfig development = EnvironmentConfig.load(
                Map.of("BIFROST_ENV", "development", "KEMAL_ENV", "production", "JWT_SECRET", SECRET), dir).config();

        assertEquals(Mode.PRODUCTION, production.mode());
        assertEquals(Mode.DEVELOPMENT, development.mode());
    }

    /**
     * A blank variable means "not set" everywhere else (JWT_SECRET, PORT, limits); an empty BIFROST_ENV must not
     * quietly turn a KEMAL_ENV=production deployment into a development one.
     */
    @Test
    void blankBifrostEnvDefersToKemalEnv() throws Exception {
        GatewayConfig config = EnvironmentConfig.load(
                Map.of("BIFROST_ENV", "", "KEMAL_ENV", "production", "JWT_SECRET", SECRET), dir).config();

        assertEquals(Mode.PRODUCTION, config.mode());
    }

    @Test
    void unknownModeIsRefusedNamingTheVariableAndTheChoices() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> EnvironmentConfig.load(Map.of("BIFROST_ENV", "staging"), dir));

        assertTrue(e.getMessage().contains("BIFROST_ENV"), e.getMessage());
        assertTrue(e.getMessage().contains("staging"), e.getMessage());
        assertTrue(e.getMessage().contains("development"), e.getMessage());
        assertTrue(e.getMessage().contains("production"), e.getMessage());
    }

    @Test
    void unknownKemalEnvIsRefusedNamingKemalEnv() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> EnvironmentConfig.load(Map.of("KEMAL_ENV", "test"), dir));

        assertTrue(e.getMessage().startsWith("KEMAL_ENV"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc", "70000", "-1", "3000.5"})
    void unusablePortIsRefusedNamingPort(String port) {
        ConfigException e = assertThrows(ConfigException.class,
                () -> EnvironmentConfig.load(Map.of("PORT", port, "JWT_SECRET", SECRET), dir));

        assertTrue(e.getMessage().startsWith("PORT is "), e.getMessage());
        assertTrue(e.getMessage().contains(port), e.getMessage());
    }

    static Stream<Arguments> limitVariables() {
        return Stream.of(
                limit("BIFROST_MAX_BODY_BYTES", "1000", Limits::maxBodyBytes, 1000),
                limit("BIFROST_MAX_FRAME_BYTES", "2000", Limits::maxFrameBytes, 2000),
                limit("BIFROST_SEND_QUEUE_BYTES", "4096", Limits::sendQueueBytes, 4096L),
                limit("BIFROST_MAX_CHANNELS_PER_SOCKET", "7", Limits::maxChannelsPerSocket, 7),
                limit("BIFROST_AUTH_TIMEOUT_SECONDS", "11", Limits::authTimeout, Duration.ofSeconds(11)),
                limit("BIFROST_PING_INTERVAL_SECONDS", "20", Limits::pingInterval, Duration.ofSeconds(20)),
                limit("BIFROST_CLOSE_TIMEOUT_SECONDS", "3", Limits::closeTimeout, Duration.ofSeconds(3)),
                limit("BIFROST_MAX_BACKLOG", "5000", Limits::maxBacklog, 5000L),
                limit("BIFROST_BACKLOG_WAIT_MS", "250", Limits::backlogWait, Duration.ofMillis(250)));
    }

    private static Arguments limit(String variable, String value, Function<Limits, Object> read, Object expected) {
        return Arguments.of(variable, value, read, expected);
    }

    @ParameterizedTest(name = "{0}={1}")
    @MethodSource("limitVariables")
    void eachLimitVariableIsHonouredAndLeavesTheOthersAtDefaults(String variable, String value,
                                                                 Function<Limits, Object> read, Object expected)
            throws Exception {
        Limits limits = EnvironmentConfig.load(Map.of(variable, value, "JWT_SECRET", SECRET), dir).config().limits();

        assertEquals(expected, read.apply(limits));
        assertFalse(expected.equals(read.apply(Limits.DEFAULTS)), "fixture value equals the default");
        for (Arguments other : limitVariables().toList()) {
            if (!other.get()[0].equals(variable)) {
                @SuppressWarnings("unchecked")
                Function<Limits, Object> otherRead = (Function<Limits, Object>) other.get()[2];
                assertEquals(otherRead.apply(Limits.DEFAULTS), otherRead.apply(limits), (String) other.get()[0]);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("limitVariables")
    void limitThatIsNotANumberIsRefusedNamingTheVariable(String variable) {
        ConfigException e = assertThrows(ConfigException.class,
                () -> EnvironmentConfig.load(Map.of(variable, "lots", "JWT_SECRET", SECRET), dir));

        assertTrue(e.getMessage().startsWith(variable + " is 'lots'"), e.getMessage());
    }

    @Test
    void pingIntervalAtHerokusIdleCutIsRefused() {
        ConfigException e = assertThrows(ConfigException.class, () -> EnvironmentConfig.load(
                Map.of("BIFROST_PING_INTERVAL_SECONDS", "60", "JWT_SECRET", SECRET), dir));

        assertTrue(e.getMessage().startsWith("BIFROST_PING_INTERVAL_SECONDS is 60"), e.getMessage());
        assertTrue(e.getMessage().contains("Heroku"), e.getMessage());
        assertTrue(e.getMessage().contains("55 s"), e.getMessage());
    }

    @Test
    void dotEnvInDevelopmentSuppliesSecretPortAndHost() throws Exception {
        dotEnv(
                "# local settings",
                "",
                "export JWT_SECRET=\"" + SECRET + "\"",
                "PORT='4001'",
                "  BIFROST_HOST = 127.0.0.1  ",
                "   # indented comment");

        EnvironmentConfig.Loaded loaded = EnvironmentConfig.load(Map.of(), dir);

        assertEquals(SECRET, loaded.config().jwtSecret());
        assertEquals(4001, loaded.config().port());
        assertEquals("127.0.0.1", loaded.config().host());
        assertTrue(loaded.notices().stream().anyMatch(n -> n.contains(".env")), () -> "notices: " + loaded.notices());
        assertTrue(loaded.notices().stream().noneMatch(n -> n.contains("THROW-AWAY")), () -> "notices: "
                + loaded.notices());
    }

    @Test
    void environmentWinsOverDotEnv() throws Exception {
        dotEnv("JWT_SECRET=" + SECRET, "PORT=4001");

        GatewayConfig config = EnvironmentConfig.load(Map.of("PORT", "5002", "JWT_SECRET", OTHER_SECRET), dir)
                .config();

        assertEquals(5002, config.port());
        assertEquals(OTHER_SECRET, config.jwtSecret());
    }

    @Test
    void productionIgnoresDotEnvSoItsSecretDoesNotCount() throws Exception {
        dotEnv("JWT_SECRET=" + SECRET);

        ConfigException e = assertThrows(ConfigException.class,
                () -> EnvironmentConfig.load(Map.of("BIFROST_ENV", "production"), dir));

        assertTrue(e.getMessage().startsWith("JWT_SECRET is not set"), e.getMessage());
    }

    @Test
    void productionDoesNotEvenReadDotEnv() throws Exception {
        dotEnv("this line is broken", "PORT=4001");

        EnvironmentConfig.Loaded loaded = EnvironmentConfig.load(
                Map.of("KEMAL_ENV", "production", "JWT_SECRET", SECRET), dir);

        assertEquals(3000, loaded.config().port());
        assertTrue(loaded.notices().stream().noneMatch(n -> n.contains(".env")), () -> "notices: " + loaded.notices());
    }

    @Test
    void malformedDotEnvLineIsRefusedNamingFileAndLine() throws Exception {
        Path file = dotEnv("# header", "JWT_SECRET=" + SECRET, "JUST_A_WORD");

        ConfigException e = assertThrows(ConfigException.class, () -> EnvironmentConfig.load(Map.of(), dir));

        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("line 3"), e.getMessage());
    }

    @Test
    void dotEnvLineWithoutKeyIsRefused() throws Exception {
        dotEnv("=value");

        ConfigException e = assertThrows(ConfigException.class, () -> EnvironmentConfig.load(Map.of(), dir));

        assertTrue(e.getMessage().contains("line 1 is not KEY=VALUE"), e.getMessage());
    }

    @Test
    void configSummaryNeverContainsTheSecret() throws Exception {
        GatewayConfig config = EnvironmentConfig.load(Map.of("JWT_SECRET", SECRET), dir).config();

        String summary = config.toString();
        assertFalse(summary.contains(SECRET), summary);
        assertTrue(summary.contains("port=3000"), summary);
    }

    @Test
    void generatedSecretIsNotInTheSummaryEither() throws Exception {
        GatewayConfig config = EnvironmentConfig.load(Map.of(), dir).config();

        assertFalse(config.toString().contains(config.jwtSecret()), config.toString());
    }

    private Path dotEnv(String... lines) throws IOException {
        return Files.write(dir.resolve(".env"), String.join("\n", lines).concat("\n").getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void dashboardTokenIsReadAndNeverInTheSummary() throws Exception {
        String token = "dash-0123456789abcdef";
        GatewayConfig config = EnvironmentConfig.load(Map.of("JWT_SECRET", SECRET, "BIFROST_DASHBOARD_TOKEN",
                " " + token + " "), dir).config();

        assertEquals(java.util.Optional.of(token), config.dashboardToken());
        assertFalse(config.toString().contains(token), config.toString());
        assertTrue(config.toString().contains("dashboardToken=<set>"), config.toString());
    }

    @Test
    void noDashboardTokenMeansNone() throws Exception {
        assertEquals(java.util.Optional.empty(), EnvironmentConfig.load(Map.of("JWT_SECRET", SECRET), dir).config()
                .dashboardToken());
    }

    @Test
    void shortDashboardTokenIsRefusedWithItsLengthAndHowToMakeOne() {
        ConfigException e = assertThrows(ConfigException.class, () -> EnvironmentConfig.load(
                Map.of("JWT_SECRET", SECRET, "BIFROST_DASHBOARD_TOKEN", "hunter2"), dir));

        assertEquals("BIFROST_DASHBOARD_TOKEN is 7 characters; use at least 16 (generate one with: openssl rand -hex"
                + " 24), or unset it to serve /dashboard in development only", e.getMessage());
    }

    @Test
    void productionWarmsUpForUpToThirtySecondsAndDevelopmentNot() throws Exception {
        assertEquals(Duration.ofSeconds(30), EnvironmentConfig.load(Map.of("BIFROST_ENV", "production", "JWT_SECRET",
                SECRET), dir).config().warmup());
        assertEquals(Duration.ZERO, EnvironmentConfig.load(Map.of("JWT_SECRET", SECRET), dir).config().warmup());
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "5", "600"})
    void warmupSecondsAreHonouredAndZeroTurnsItOff(String seconds) throws Exception {
        assertEquals(Duration.ofSeconds(Long.parseLong(seconds)), EnvironmentConfig.load(Map.of("BIFROST_ENV",
                "production", "JWT_SECRET", SECRET, "BIFROST_WARMUP_SECONDS", seconds), dir).config().warmup());
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1", "601", "soon"})
    void unusableWarmupIsRefusedNamingTheVariableAndTheRange(String seconds) {
        ConfigException e = assertThrows(ConfigException.class, () -> EnvironmentConfig.load(Map.of("BIFROST_ENV",
                "production", "JWT_SECRET", SECRET, "BIFROST_WARMUP_SECONDS", seconds), dir));
        assertTrue(e.getMessage().startsWith("BIFROST_WARMUP_SECONDS is "), e.getMessage());
        assertTrue(e.getMessage().contains("default 30"), e.getMessage());
    }
}
