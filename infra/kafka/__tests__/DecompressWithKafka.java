// Decompresses each file given with Kafka's own Java codec (kafka-clients, the classes the
// broker and Java consumers use) and prints "<file> <bytes> <sha256>" per file.
// Used by compressionInteropWithJava.spec.ts:
//   java -cp 'infra/kafka/target/lib/*' DecompressWithKafka.java lz4|snappy|gzip|zstd FILE...
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.utils.BufferSupplier;

public class DecompressWithKafka {
  public static void main(String[] args) throws Exception {
    Compression codec = Compression.of(CompressionType.forName(args[0])).build();
    for (int i = 1; i < args.length; i++) {
      ByteBuffer in = ByteBuffer.wrap(Files.readAllBytes(Path.of(args[i])));
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      long total = 0;
      try (InputStream s = codec.wrapForInput(in, RecordBatch.MAGIC_VALUE_V2, BufferSupplier.create())) {
        byte[] buf = new byte[8192];
        for (int n; (n = s.read(buf)) > 0; total += n) sha.update(buf, 0, n);
      }
      System.out.println(args[i] + " " + total + " " + HexFormat.of().formatHex(sha.digest()));
    }
  }
}
