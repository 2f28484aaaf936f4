package io.bifrost.gateway.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RedisConfigTest {
    private static final String SECRET = "x".repeat(64);

    @TempDir
    Path dir;

    @Test
    void withoutRedisUrlTheGatewayRunsOnTheInProcessBus() throws Exception {
        assertTrue(load(Map.of()).redis().isEmpty());
    }

    @Test
    void redisUrlSelectsTheRedisBusWithDefaults() throws Exception {
        RedisSettings redis = load(Map.of("REDIS_URL", "redis://:pw@cache.internal:6380/2")).redis().orElseThrow();

        assertEquals("redis://:pw@cache.internal:6380/2", redis.url());
        assertEquals(RedisSettings.TlsVerify.FULL, redis.tlsVerify());
        assertEquals("bifrost:", redis.prefix());
        assertEquals(Duration.ofSeconds(2), redis.timeout());
        assertFalse(redis.tls());
    }

    @Test
    void herokuStyleTlsUrlWithVerifyNone() throws Exception {
        RedisSettings redis = load(Map.of("REDIS_URL", "rediss://:pw@ec2.example.com:12345",
                "REDIS_TLS_VERIFY", "none", "DYNO", "web.2")).redis().orElseThrow();

        assertTrue(redis.tls());
        assertEquals(RedisSettings.TlsVerify.NONE, redis.tlsVerify());
        assertTrue(redis.instanceId().startsWith("web.2-"), redis.instanceId());
    }

    @Test
    void prefixTimeoutAndInstanceIdAreHonoured() throws Exception {
        RedisSettings redis = load(Map.of("REDIS_URL", "redis://localhost", "BIFROST_REDIS_PREFIX", "app-a:",
                "BIFROST_REDIS_TIMEOUT_MS", "750", "BIFROST_INSTANCE_ID", "eu-1")).redis().orElseThrow();

        assertEquals("app-a:", redis.prefix());
        assertEquals(Duration.ofMillis(750), redis.timeout());
        assertEquals("eu-1", redis.instanceId());
    }

    @Test
    void unknownTlsVerifyModeNamesTheVariableAndTheChoices() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> load(Map.of("REDIS_URL", "rediss://h:1", "REDIS_TLS_VERIFY", "maybe")));
        assertTrue(e.getMessage().startsWith("REDIS_TLS_VERIFY is 'maybe'; use full, ca or none"), e.getMessage());
    }

    @Test
    void urlWithAnotherSchemeNamesRedisUrlAndTheExpectedForm() {
        ConfigException e = assertThrows(ConfigException.class, () -> load(Map.of("REDIS_URL", "http://h:6379")));
        assertTrue(e.getMessage().contains("REDIS_URL") && e.getMessage().contains("redis://"), e.getMessage());
    }

    @Test
    void settingsNeverPrintThePassword() throws Exception {
        RedisSettings redis = load(Map.of("REDIS_URL", "rediss://user:hunter2@h:6380")).redis().orElseThrow();
        assertFalse(redis.toString().contains("hunter2"), redis.toString());
        assertFalse(load(Map.of("REDIS_URL", "rediss://user:hunter2@h:6380")).toString().contains("hunter2"));
    }

    private GatewayConfig load(Map<String, String> env) throws ConfigException {
        Map<String, String> all = new HashMap<>(env);
        all.put("JWT_SECRET", SECRET);
        return EnvironmentConfig.load(all, dir).config();
    }
}
