package io.bifrost.gateway.bus;

import java.util.List;

import io.lettuce.core.cluster.SlotHash;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class RedisKeysTest {
    @Test
    void oneRedisKeepsItsKeyLayout() {
        RedisKeys keys = new RedisKeys("bifrost:");

        assertEquals("bifrost:ch:news", keys.pubsub("news"));
        assertEquals("bifrost:{news}:m", keys.meta("news"));
        assertEquals("bifrost:{news}:h", keys.history("news"));
        assertEquals("bifrost:totals", keys.totals());
        assertEquals("bifrost:counts:a", keys.counts("a"));
        assertEquals("bifrost:instances", keys.instances());
        assertEquals("bifrost:behind", keys.behind());
        assertEquals("bifrost:jti:j1", keys.jti("j1", "news"));
        assertEquals("news", keys.channelOf("bifrost:ch:news"));
    }

    @Test
    void onAClusterEveryNameOfAChannelHashesToOneSlotEvenWithBracesInTheName() {
        RedisKeys keys = new RedisKeys("bifrost:", true);
        for (String channel : List.of("news", "a}b", "{x}", "}", "{", "room:{42}", "}{")) {
            int slot = SlotHash.getSlot(keys.meta(channel));
            for (String name : List.of(keys.history(channel), keys.total(channel), keys.channelCounts(channel),
                    keys.pubsub(channel), keys.jti("j", channel))) {
                assertEquals(slot, SlotHash.getSlot(name), channel + ": " + name);
            }
            assertEquals(channel, keys.channelOf(keys.pubsub(channel)));
        }
    }

    @Test
    void onAClusterTheInstancesKeysShareOneSlotAndChannelsAreTold() {
        RedisKeys keys = new RedisKeys("bifrost:", true);
        int slot = SlotHash.getSlot(keys.instances());

        assertEquals(slot, SlotHash.getSlot(keys.counts("a")));
        assertEquals(slot, SlotHash.getSlot(keys.connected()));
        assertEquals(slot, SlotHash.getSlot(keys.behind()));
        assertEquals("bifrost:{" + Integer.toHexString("news".hashCode()) + "}ch:news", keys.pubsub("news"));
        assertNull(keys.channelOf("other:{1}ch:news"));
        assertNull(keys.channelOf("bifrost:{1}m:news"));
    }
}
