package io.bifrost.gateway.bus;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class TopChannelsTest {
    @Test
    void keepsTheMostSocketsFirstTiesByNameAndLeavesEmptyChannelsOut() {
        TopChannels top = new TopChannels(3);
        top.offer("a", 1);
        top.offer("b", 5);
        top.offer("empty", 0);
        top.offer("d", 2);
        top.offer("c", 5);
        top.offer("e", 2);

        assertEquals(List.of(new Bus.ChannelCount("b", 5), new Bus.ChannelCount("c", 5),
                new Bus.ChannelCount("d", 2)), top.list());
    }

    @Test
    void instanceReportSurvivesItsJsonAndAnUnreadableOneIsLeftOut() {
        InstanceReport report = new InstanceReport("gw-1", 12, 3, 45.5, 7, true, false);

        assertEquals(java.util.Optional.of(report), InstanceReport.parse("gw-1", report.toJson()));
        assertEquals(java.util.Optional.empty(), InstanceReport.parse("gw-2", ""));
        assertEquals(java.util.Optional.empty(), InstanceReport.parse("gw-2", "{\"sockets\":\"many\"}"));
    }
}
