// Package retrieval finds the articles of the policy corpus that answer a
// question. It cuts documents into article-sized chunks, ranks them twice —
// BM25 over CJK bigrams (bleve) and cosine similarity over embeddings —
// and fuses the two rankings (FUSION.md), after filtering by the question's
// scope: category, document, region (the region and those containing it),
// year, in force on a day.
//
// The index is kept in a data directory: bleve's index, updated in place,
// and a snapshot of the vectors, saved when they changed. Open reuses what
// is saved and reindexes only the documents that changed since; Update
// (Prepare and Apply) changes the documents of an open index one by one,
// which is how a publish, retire or rollback goes live without a rebuild.
// A part that cannot be used (damaged, another format or embedder) is
// rebuilt with a log line.
//
// Vectors come from an Embedder. The offline default, LocalEmbedder
// (hashed n-grams, trained on the corpus), is here, so a search needs no
// network and this package links no model client. Embedders that call a
// server (OpenAI-compatible, Ollama) are adapters: package llm implements
// Embedder with the same langchaingo client it generates with, and the
// command chooses (EMBED_PROVIDER).
//
// LEXICAL.md and FUSION.md record the measurements behind the choices made
// here.
package retrieval
