// Package query is PolicyBot's query understanding: it turns a company's question, in
// simplified or traditional Chinese or in English, typed on any keyboard, into the forms
// retrieval and answer selection compare with the policy corpus.
//
//   - Fold normalizes text rune by rune: full-width forms to ASCII (５０％ → 50%), traditional
//     Chinese to simplified, letters to lower case. The index folds documents with the same
//     function, so questions and documents meet in one form.
//   - Rewriter.Rewrite recognises domain terms through a synonym table (小巨人 → 专精特新,
//     中信保 → 出口信用保险, 规上 → 规模以上, 能补多少 → 奖励 补助 …) and an English glossary
//     (export credit insurance → 出口信用保险), appends the corpus wording they stand for, and
//     rewrites amounts the way the corpus writes them (五十万元 → 50万元).
//
// Both tables are embedded text files that officials can extend without a rebuild by passing
// extra tables to Load; README.md describes the format. The traditional-to-simplified table is
// generated from OpenCC's dictionary by internal/t2sgen (go generate); README.md records why
// the package does not link OpenCC itself.
package query
