package io.bifrost.protocol;

import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PositionTest {

    @Test
    void parsesTheWireForm() {
        assertEquals(Optional.of(new Position("k3x9", 17)), Position.parse("k3x9:17"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"k3x9:17", "a:0", "0:1", "0123456789abcdef:9223372036854775807", "zz:100"})
    void wireFormRoundTrips(String text) {
        assertEquals(text, Position.parse(text).orElseThrow().toString());
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {
            "", ":", "k3x9", "17", ":17", "k3x9:", "k3x9::17", "k3x9:17:1", "a:b:1",
            "K3X9:17", "k3-9:17", "k3_9:17", "k3x9 :17", " k3x9:17", "é:1",
            "0123456789abcdefg:1",
            "k3x9:-1", "k3x9:+17", "k3x9: 17", "k3x9:17 ", "k3x9:17\n", "k3x9:1 7", "k3x9:017", "k3x9:00",
            "k3x9:1.0", "k3x9:1e3", "k3x9:0x11", "k3x9:١٧", "k3x9:１７",
            "k3x9:9223372036854775808", "k3x9:99999999999999999999", "k3x9:10000000000000000000"})
    void malformedTextIsEmpty(String text) {
        assertEquals(Optional.empty(), Position.parse(text), String.valueOf(text));
    }

    @Test
    void nextIsTheFollowingOffsetInTheSameEpoch() {
        assertEquals(new Position("k3x9", 18), new Position("k3x9", 17).next());
        assertThrows(ArithmeticException.class, () -> new Position("a", Long.MAX_VALUE).next());
    }

    @Test
    void constructorRefusesWhatParseCallsMalformed() {
        IllegalArgumentException epoch = assertThrows(IllegalArgumentException.class, () -> new Position("K3", 1));
        assertTrue(epoch.getMessage().contains("[0-9a-z]"), epoch.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Position("", 1));
        assertThrows(IllegalArgumentException.class, () -> new Position(null, 1));
        assertThrows(IllegalArgumentException.class, () -> new Position("a".repeat(17), 1));
        assertThrows(IllegalArgumentException.class, () -> new Position("a", -1));
    }
}
