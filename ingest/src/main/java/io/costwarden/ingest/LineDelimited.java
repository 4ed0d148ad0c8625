package io.costwarden.ingest;

/** Newline-delimited JSON, as CloudTrail exports and Metric Streams write it, told apart from one document. */
public final class LineDelimited {
    private LineDelimited() {
    }

    /**
     * Newline-delimited when the first line is a complete JSON object and another line follows. A single
     * log file is one line; a pretty-printed record's first line is a lone brace.
     */
    public static boolean looksLike(byte[] plain) {
        int start = 0;
        while (start < plain.length && Character.isWhitespace(plain[start])) {
            start++;
        }
        int nl = start;
        while (nl < plain.length && plain[nl] != '\n') {
            nl++;
        }
        if (nl >= plain.length) {
            return false;
        }
        int end = nl - 1;
        while (end > start && Character.isWhitespace(plain[end])) {
            end--;
        }
        if (start >= end || plain[start] != '{' || plain[end] != '}') {
            return false;
        }
        for (int i = nl + 1; i < plain.length; i++) {
            if (!Character.isWhitespace(plain[i])) {
                return true;
            }
        }
        return false;
    }
}
