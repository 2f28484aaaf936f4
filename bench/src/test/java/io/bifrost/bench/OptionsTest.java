package io.bifrost.bench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OptionsTest {
    @Test
    void everyFlagWithoutAValueIsAccepted() {
        Options o = Options.parse(new String[] {"channels", "--redis", "--jfr", "--no-probe", "--runs", "1"});
        assertTrue(o.redis());
        assertTrue(o.jfr());
        assertEquals(false, o.probe());
        assertEquals(1, o.runs());
    }

    @Test
    void anUnknownOptionIsRefusedNamingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Options.parse(new String[] {"fanout", "--redis-please", "1"}));
        assertTrue(e.getMessage().startsWith("unknown option --redis-please"), e.getMessage());
    }

    @Test
    void idleInstancesNeedARedisToRegisterOn() {
        Options o = Options.parse(new String[] {"channels", "--redis", "--idle-instances", "7"});
        assertEquals(7, o.idleInstances());
        assertEquals(7, o.toMap().get("idle_instances"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Options.parse(new String[] {"channels", "--idle-instances", "7"}));
        assertTrue(e.getMessage().contains("needs --redis"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> Options.parse(new String[] {"channels", "--redis", "--idle-instances", "8"}));
    }

    @Test
    void channelsWarmsUpPastTheCompilerByDefault() {
        assertEquals(40, Options.parse(new String[] {"channels"}).warmup());
    }
}
