package io.bifrost.gateway.hub;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BacklogTest {

    @Test
    void isBehindOnlyAboveItsLimit() {
        Backlog backlog = new Backlog(3);
        for (int i = 0; i < 3; i++) {
            backlog.queued();
        }
        assertFalse(backlog.behind(), "at the limit is not above it");
        backlog.queued();
        assertTrue(backlog.behind());
        backlog.done(2);
        assertEquals(2, backlog.pending());
        assertFalse(backlog.behind());
    }

    @Test
    void framesHeldByStalledSocketsDoNotCount() {
        Backlog backlog = new Backlog(10);
        for (int i = 0; i < 25; i++) {
            backlog.queued();
        }
        assertTrue(backlog.behind());
        backlog.stalled(20);
        assertEquals(5, backlog.pending());
        assertFalse(backlog.behind());
        assertEquals(20, backlog.stalled());
    }

    @Test
    void pendingIsNeverNegativeWhenAStalledSocketDrainedSinceTheTick() {
        Backlog backlog = new Backlog(10);
        backlog.queued();
        backlog.stalled(5);
        assertEquals(0, backlog.pending());
    }

    @Test
    void describesItselfWithTheSettingToChange() {
        Backlog backlog = new Backlog(1);
        backlog.queued();
        backlog.queued();
        assertEquals("2 deliveries are queued on its sockets (limit 1, BIFROST_MAX_BACKLOG)", backlog.describe());
    }

    @Test
    void refusesAUselessLimit() {
        assertEquals("backlog limit is 0; it must be positive",
                assertThrows(IllegalArgumentException.class, () -> new Backlog(0)).getMessage());
    }
}
