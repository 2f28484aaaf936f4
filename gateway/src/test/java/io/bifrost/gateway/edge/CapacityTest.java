package io.bifrost.gateway.edge;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CapacityTest {

    @Test
    void derivedFromTwentyThousandOpenFilesItHoldsTheBenchmarksIdleSockets() {
        Capacity capacity = Capacity.of(0, 20_000);
        assertEquals(19_872, capacity.hardCap());
        assertEquals(19_674, capacity.max());
    }

    @Test
    void derivedFromALowLimitItKeepsTheSmallestRefusalBand() {
        Capacity capacity = Capacity.of(0, 1024);
        assertEquals(896, capacity.hardCap());
        assertEquals(880, capacity.max());
    }

    @Test
    void aConfiguredLimitGetsItsRefusalBandAboveIt() {
        Capacity capacity = Capacity.of(50, 20_000);
        assertEquals(50, capacity.max());
        assertEquals(66, capacity.hardCap());
    }

    @Test
    void aConfiguredLimitTheOpenFileLimitCannotHoldIsRefusedNamingTheFix() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Capacity.of(1000, 1024));
        assertTrue(e.getMessage().contains("BIFROST_MAX_CONNECTIONS is 1000"), e.getMessage());
        assertTrue(e.getMessage().contains("ulimit -n"), e.getMessage());
    }

    @Test
    void anOpenFileLimitTooLowForAnyClientIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> Capacity.of(0, 150));
    }

    @Test
    void anUnknownOpenFileLimitIsTakenAsAServersUsualOne() {
        assertEquals(Capacity.UNKNOWN_LIMIT - Capacity.RESERVED, Capacity.of(0, -1).hardCap());
    }
}
