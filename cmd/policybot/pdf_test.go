package main

import (
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServeWarmsPDFEngine: with /admin on, serve starts the PDF engine in
// the background, with its compiled code cached in the data directory,
// before any upload. A process of its own, so that no earlier test has
// started the engine.
func TestServeWarmsPDFEngine(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles the PDF engine (seconds of CPU)")
	}
	r := startReplica(t, "pdf", "", map[string]string{"POLICYBOT_ADMIN_TOKEN": replicaAdminToken, "POLICYBOT_LOG_LEVEL": "info"})
	cache := filepath.Join(r.dir, "data", pdfCacheDir)
	files := func() int {
		n := 0
		filepath.WalkDir(cache, func(_ string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				n++
			}
			return nil
		})
		return n
	}
	// Poll, never assert on time: the deadline only keeps a broken server
	// from hanging the test run.
	deadline := time.Now().Add(startDeadline)
	for !strings.Contains(r.stderr.String(), "PDF engine ready") {
		if time.Now().After(deadline) {
			t.Fatalf("no \"PDF engine ready\" in the log without any upload\nstderr:\n%s", r.stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if n := files(); n == 0 {
		t.Errorf("the PDF engine is ready but %s is empty: its compiled code is not cached in the data directory", cache)
	}
	r.stop(t)
	<-r.exited
	if r.err != nil {
		t.Errorf("serve stopped with %v\nstderr:\n%s", r.err, r.stderr.String())
	}
}
