package io.costwarden.ingest.billing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The rows of a Parquet billing export as text, read with DuckDB in this process. Numbers and
 * timestamps come out in forms the CSV path reads; map and struct columns (CUR 2.0's
 * {@code resource_tags}) come out as JSON.
 */
final class ParquetRows implements AutoCloseable {
    private final Path file;
    private final Connection connection;
    private final Statement statement;
    private final ResultSet rows;
    private final List<String> header = new ArrayList<>();

    static boolean isParquet(byte[] plain) {
        return plain.length >= 8 && plain[0] == 'P' && plain[1] == 'A' && plain[2] == 'R' && plain[3] == '1';
    }

    ParquetRows(byte[] parquet) throws IOException, SQLException {
        file = Files.createTempFile("costwarden-billing-", ".parquet");
        Connection c = null;
        try {
            Files.write(file, parquet);
            c = DriverManager.getConnection("jdbc:duckdb:");
            Statement s = c.createStatement();
            // Everything leaves DuckDB as its own text, in UTC: no JDBC type mapping, no JVM time zone.
            s.execute("SET TimeZone = 'UTC'");
            // The temp file's path is ours (no quotes in it), so it is safe to inline.
            String source = "read_parquet('" + file.toAbsolutePath() + "')";
            List<String> select = new ArrayList<>();
            try (ResultSet d = s.executeQuery("DESCRIBE SELECT * FROM " + source)) {
                while (d.next()) {
                    String name = d.getString("column_name");
                    String type = d.getString("column_type");
                    header.add(name);
                    String quoted = "\"" + name.replace("\"", "\"\"") + "\"";
                    select.add(type.startsWith("MAP") || type.startsWith("STRUCT") ? "to_json(" + quoted + ")::VARCHAR AS " + quoted
                            : "CAST(" + quoted + " AS VARCHAR) AS " + quoted);
                }
            }
            connection = c;
            statement = s;
            rows = s.executeQuery("SELECT " + String.join(", ", select) + " FROM " + source);
        } catch (IOException | SQLException | RuntimeException e) {
            if (c != null) {
                c.close();
            }
            Files.deleteIfExists(file);
            throw e;
        }
    }

    List<String> header() {
        return header;
    }

    /** The next row, nulls as empty strings; null after the last. */
    String[] next() throws SQLException {
        if (!rows.next()) {
            return null;
        }
        String[] row = new String[header.size()];
        for (int i = 0; i < row.length; i++) {
            String v = rows.getString(i + 1);
            row[i] = v == null ? "" : v;
        }
        return row;
    }

    @Override
    public void close() throws IOException {
        // Each closed on its own: the native in-memory database must go even if a cursor fails to close.
        try (Connection c = connection; Statement s = statement; ResultSet r = rows) {
            // closed in reverse order by try-with-resources
        } catch (SQLException e) {
            // Closing an in-memory database cannot lose data; the temp file is what matters.
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
