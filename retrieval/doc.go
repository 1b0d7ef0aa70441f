// Package retrieval finds the articles of the policy corpus that answer a
// question. It cuts documents into article-sized chunks, ranks them twice —
// BM25 over CJK bigrams (bleve) and cosine similarity over embeddings
// (chromem-go) — and fuses the two rankings with reciprocal rank fusion.
//
// The index is built from the corpus on first use and kept in a data
// directory; it is rebuilt, with a log line, whenever the corpus, the
// embedder or the on-disk format changes, or the files are damaged.
//
// LEXICAL.md records the measurements behind the choices made here.
package retrieval
