// Command gen writes a look-alike corpus (package lookalike) and its
// questions:
//
//	go run ./internal/lookalike/gen -docs 1000 -out /tmp/lookalike
//
// writes /tmp/lookalike/corpus/*.md (the bundled corpus too, unless
// -bundled=false) and /tmp/lookalike/questions.jsonl, for
//
//	POLICYBOT_CORPUS_DIR=/tmp/lookalike/corpus policybot eval /tmp/lookalike/questions.jsonl testdata/eval/questions.jsonl
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"policybot/internal/lookalike"
	"policybot/policies"
)

func main() {
	if err := run(os.Args, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	fl := flag.NewFlagSet(args[0], flag.ContinueOnError)
	docs := fl.Int("docs", 1000, "number of look-alike documents")
	seed := fl.Uint64("seed", 1, "random seed")
	out := fl.String("out", "", "output directory (required)")
	base := fl.String("questions", "testdata/eval/questions.jsonl", "questions about the bundled corpus the generated ones are made from")
	perDoc := fl.Int("per-doc", 3, "questions per generated document")
	bundled := fl.Bool("bundled", true, "copy the bundled corpus into the corpus directory")
	if err := fl.Parse(args[1:]); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("-out is required")
	}
	f, err := os.Open(*base)
	if err != nil {
		return err
	}
	bqs, err := lookalike.ReadQuestions(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", *base, err)
	}
	bc, err := policies.Bundled()
	if err != nil {
		return err
	}
	c, err := lookalike.Generate(lookalike.Config{Seed: *seed, Docs: *docs, QuestionsPerDoc: *perDoc}, bc.Docs, bqs)
	if err != nil {
		return err
	}
	dir := filepath.Join(*out, "corpus")
	if err := c.WriteDir(dir); err != nil {
		return err
	}
	if *bundled {
		sub, err := policies.BundledFS()
		if err != nil {
			return err
		}
		if err := os.CopyFS(dir, sub); err != nil {
			return err
		}
	}
	qf, err := os.Create(filepath.Join(*out, "questions.jsonl"))
	if err != nil {
		return err
	}
	if err := lookalike.WriteQuestions(qf, c.Questions); err != nil {
		qf.Close()
		return err
	}
	if err := qf.Close(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d documents in %s, %d questions in %s\n", len(c.Docs), dir, len(c.Questions), qf.Name())
	return nil
}
