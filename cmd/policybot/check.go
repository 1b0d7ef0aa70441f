package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"policybot/policies"
)

// parser returns the document parser with the configured hygiene rules.
func (c Config) parser() (*policies.Parser, error) {
	h := policies.DefaultHygiene()
	if c.HygieneFile != "" {
		f, err := os.Open(c.HygieneFile)
		if err != nil {
			return nil, fmt.Errorf("POLICYBOT_HYGIENE_FILE: %w", err)
		}
		defer f.Close()
		if h, err = policies.LoadHygiene(h, c.HygieneFile, f); err != nil {
			return nil, err
		}
	}
	return &policies.Parser{Hygiene: h}, nil
}

// loadCorpus reads POLICYBOT_CORPUS_DIR, or the bundled corpus.
func (c Config) loadCorpus() (*policies.Corpus, error) {
	p, err := c.parser()
	if err != nil {
		return nil, err
	}
	if c.CorpusDir == "" {
		sub, err := policies.BundledFS()
		if err != nil {
			return nil, err
		}
		return p.LoadFS(sub, "bundled:")
	}
	return p.LoadPaths([]string{c.CorpusDir}), nil
}

func runCheck(_ context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("check", flag.ContinueOnError)
	fl.SetOutput(stderr)
	provisions := fl.Bool("provisions", false, "also print what the bot understands of every clause (tiers, amounts, thresholds)")
	fl.Usage = func() { fmt.Fprintln(stderr, "usage: policybot check [--provisions] [PATH...]") }
	if err := fl.Parse(args); err != nil {
		return err
	}
	var corpus *policies.Corpus
	var err error
	if fl.NArg() == 0 {
		corpus, err = cfg.loadCorpus()
	} else {
		var p *policies.Parser
		if p, err = cfg.parser(); err == nil {
			corpus = p.LoadPaths(fl.Args())
		}
	}
	if err != nil {
		return err
	}
	now := cfg.Now()
	rows := [][]string{{"ID", "TITLE", "CATEGORY", "ARTICLES", "IN FORCE"}}
	for _, d := range corpus.Docs {
		inForce := "no"
		switch {
		case !d.InForce(now):
		case d.Sample:
			inForce = "sample"
		default:
			inForce = "yes"
		}
		id := d.ID
		if id == "" {
			id = "(none)"
		}
		rows = append(rows, []string{id, d.Title, string(d.Category), fmt.Sprint(len(d.Articles)), inForce})
	}
	printTable(stdout, rows)
	if *provisions {
		for _, d := range corpus.Docs {
			fmt.Fprintln(stdout)
			fmt.Fprint(stdout, policies.RenderProvisions(d))
		}
	}
	errs := 0
	if len(corpus.Findings) > 0 {
		fmt.Fprintln(stdout)
	}
	for _, f := range corpus.Findings {
		if f.Line > 0 && f.Col == 0 {
			// file:line:col always, as editors jump to it: a problem of
			// the whole line is at its first column.
			f.Col = 1
		}
		fmt.Fprintln(stdout, f)
		if f.Severity == policies.Error {
			errs++
		}
	}
	if errs > 0 {
		fmt.Fprintf(stdout, "\n%d error(s) in %d file(s) (发现 %d 个错误)\n", errs, countFiles(corpus.Findings), errs)
		return errSilent{fmt.Sprintf("check failed: %d error(s)", errs)}
	}
	return nil
}

func countFiles(fs []policies.Finding) int {
	seen := map[string]bool{}
	for _, f := range fs {
		if f.Severity == policies.Error {
			seen[f.Path] = true
		}
	}
	return len(seen)
}
