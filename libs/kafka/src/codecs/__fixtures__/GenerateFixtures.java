// Writes the payload below compressed by Kafka's own Java codecs (kafka-clients 3.9.1, the
// exact classes a Java producer uses for a v2 record batch), so the JS codecs are tested
// against what real producers send, without a broker. Regenerate from the repo root with:
//   java -cp 'infra/kafka/target/lib/*' libs/kafka/src/codecs/__fixtures__/GenerateFixtures.java \
//     libs/kafka/src/codecs/__fixtures__
// fixture-payload.ts builds the same payload for the specs to compare against.
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.utils.ByteBufferOutputStream;

public class GenerateFixtures {
  static byte[] payload() {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 3000; i++) {
      sb.append("{\"event_id\":\"e-").append(i).append("\",\"product_id\":\"p-")
        .append((i * 7919) % 1000).append("\",\"units\":").append(i % 5 + 1).append("}\n");
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  static void write(Compression compression, Path file) throws Exception {
    ByteBufferOutputStream sink = new ByteBufferOutputStream(1024);
    try (OutputStream out = compression.wrapForOutput(sink, RecordBatch.MAGIC_VALUE_V2)) {
      out.write(payload());
    }
    ByteBuffer buf = sink.buffer();
    buf.flip();
    byte[] bytes = new byte[buf.remaining()];
    buf.get(bytes);
    Files.write(file, bytes);
    System.out.println(file + ": " + bytes.length + " bytes (payload " + payload().length + ")");
  }

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    write(Compression.zstd().build(), dir.resolve("payload.kafka-zstd.bin"));
    write(Compression.lz4().build(), dir.resolve("payload.kafka-lz4.bin"));
    write(Compression.snappy().build(), dir.resolve("payload.kafka-snappy.bin"));
  }
}
