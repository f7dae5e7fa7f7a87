package dev.hitboard.bench;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.processor.TimestampExtractor;

/**
 * The Kafka Streams peer of the aggregator (issue 15): sums units and revenue per (UTC minute of
 * occurred_at, product) from the events topic into a windowed store and emits each cell to an output
 * topic, exactly once (exactly_once_v2: the output, the store's changelog and the input offsets commit
 * in one transaction per commit interval).
 *
 * What it does NOT do, next to the aggregator: no validation beyond JSON decoding (no DLQ), no dedupe
 * by event_id, no Parquet lake, no Postgres ledger, no watermark. Grouping by the record key (the
 * product id, which is what the events topic is keyed by) and windowing by event time avoids a
 * repartition topic: the cheapest honest form of the same pre-sum in Streams.
 *
 * Args: bootstrap input output applicationId commitIntervalMs [threads].
 */
public final class PreSumPeer {
  @JsonIgnoreProperties(ignoreUnknown = true)
  public static final class Sale {
    @JsonProperty("product_id") public String productId;
    @JsonProperty("quantity") public long quantity;
    @JsonProperty("unit_price_cents") public long unitPriceCents;
    @JsonProperty("occurred_at") public String occurredAt;
    /** Parsed once, in the timestamp extractor. */
    public long occurredAtMs = -1;
  }

  private static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  static final class SaleSerde implements Serde<Sale> {
    @Override public Serializer<Sale> serializer() {
      return (topic, sale) -> {
        try {
          return JSON.writeValueAsBytes(sale);
        } catch (IOException e) {
          throw new IllegalStateException(e);
        }
      };
    }
    @Override public Deserializer<Sale> deserializer() {
      return (topic, bytes) -> {
        try {
          return bytes == null ? null : JSON.readValue(bytes, Sale.class);
        } catch (IOException e) {
          throw new IllegalArgumentException("not a sale event", e);
        }
      };
    }
  }

  /** (units, revenue cents) in 16 bytes. */
  static final class SumsSerde implements Serde<long[]> {
    @Override public Serializer<long[]> serializer() {
      return (topic, s) -> s == null ? null : ByteBuffer.allocate(16).putLong(s[0]).putLong(s[1]).array();
    }
    @Override public Deserializer<long[]> deserializer() {
      return (topic, b) -> {
        if (b == null) return null;
        ByteBuffer buf = ByteBuffer.wrap(b);
        return new long[] {buf.getLong(), buf.getLong()};
      };
    }
  }

  /** Event time is occurred_at (as in the aggregator), not the Kafka timestamp. */
  public static final class OccurredAt implements TimestampExtractor {
    @Override public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
      if (record.value() instanceof Sale sale && sale.occurredAt != null) {
        try {
          sale.occurredAtMs = Instant.parse(sale.occurredAt).toEpochMilli();
          return sale.occurredAtMs;
        } catch (RuntimeException e) {
          return -1; // Streams drops records with a negative timestamp (and counts them)
        }
      }
      return -1;
    }
  }

  public static void main(String[] args) throws InterruptedException {
    if (args.length < 5) {
      System.err.println("usage: PreSumPeer bootstrap input output applicationId commitIntervalMs [threads]");
      System.exit(2);
    }
    Properties props = new Properties();
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, args[3]);
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, Integer.parseInt(args[4]));
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, args.length > 5 ? Integer.parseInt(args[5]) : 1);
    props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
    // Like the aggregator's buffers: cells are held and summed until the commit, not forwarded one by one.
    props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 64L * 1024 * 1024);
    props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, LogAndContinueExceptionHandler.class);
    props.put(StreamsConfig.STATE_DIR_CONFIG, System.getProperty("java.io.tmpdir") + "/kafka-streams-peer-" + args[3]);
    props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");

    Serde<Sale> sales = new SaleSerde();
    StreamsBuilder builder = new StreamsBuilder();
    builder
        .stream(args[1], Consumed.with(Serdes.String(), sales).withTimestampExtractor(new OccurredAt()))
        .groupByKey(Grouped.with(Serdes.String(), sales))
        .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofMinutes(1), Duration.ofHours(1)))
        .aggregate(
            () -> new long[] {0, 0},
            (product, sale, sums) -> new long[] {sums[0] + sale.quantity, sums[1] + sale.quantity * sale.unitPriceCents},
            Materialized.with(Serdes.String(), new SumsSerde()))
        .toStream()
        .map((cell, sums) -> KeyValue.pair(
            cell.key(),
            ("{\"minute\":" + cell.window().start() + ",\"product_id\":\"" + cell.key() + "\",\"units\":" + sums[0] + ",\"revenue_cents\":" + sums[1] + "}")))
        .to(args[2], Produced.with(Serdes.String(), Serdes.String()));

    KafkaStreams streams = new KafkaStreams(builder.build(), props);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      streams.close(Duration.ofSeconds(30));
      stopped.countDown();
    }));
    streams.setUncaughtExceptionHandler(e -> {
      System.err.println("peer: stream thread failed: " + e);
      return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    });
    streams.start();
    System.err.println("peer: started " + args[3]);
    stopped.await();
  }
}
