package main

import (
	"context"
	"log/slog"
	"path/filepath"
	"time"

	"policybot/ingest"
)

// pdfCacheDir is where, in POLICYBOT_DATA_DIR, the PDF engine keeps its
// compiled code between runs.
const pdfCacheDir = "pdf-cache"

// ingestOptions are how `policybot serve` converts uploads: at most
// MaxUpload bytes, the PDF engine's compiled code cached in the data
// directory.
func (c Config) ingestOptions(adm AdminConfig) ingest.Options {
	return ingest.Options{MaxBytes: adm.MaxUpload, PDFCacheDir: filepath.Join(c.DataDir, pdfCacheDir)}
}

// warmPDF starts the PDF engine when /admin is on, so that the first PDF
// upload does not wait for it: compiling PDFium's WebAssembly takes ~4 s
// (and ~300 MB for a moment) without the cache, ~0.1 s with it. Serve runs
// it in the background once it is ready. Starting cannot be stopped
// half-way (the compiler runs to the end), so ctx only bounds the wait.
func warmPDF(ctx context.Context, cfg Config, log *slog.Logger) {
	if len(cfg.Admin.Tokens) == 0 {
		return // no uploads
	}
	opts := cfg.ingestOptions(cfg.Admin)
	start := time.Now()
	if err := ingest.WarmUp(ctx, opts); err != nil {
		if ctx.Err() == nil {
			log.Warn("the PDF engine did not start; the first PDF upload will try again", "err", err)
		}
		return
	}
	log.Info("PDF engine ready", "took", time.Since(start).Round(time.Millisecond), "cache", opts.PDFCacheDir)
}
