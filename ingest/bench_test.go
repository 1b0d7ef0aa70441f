package ingest

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

var (
	measure    = flag.Bool("measure", false, "TestMeasurePDF: print the PDF engine's start-up time, per-page time and memory")
	measurePDF = flag.String("measure-pdf", "testdata/policy.pdf", "the PDF TestMeasurePDF reads")
	measureDir = flag.String("measure-cache", "", "TestMeasurePDF: the engine's compilation cache directory")
)

func benchConvert(b *testing.B, name string, data []byte, pages int) {
	b.Helper()
	ctx := context.Background()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Convert(ctx, name, data, testMeta, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	if pages > 0 {
		b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*pages), "µs/page")
	}
}

func BenchmarkConvertDocx(b *testing.B) {
	benchConvert(b, "a.docx", buildDocx(b, policyParas()), 0)
}

func BenchmarkConvertHTML(b *testing.B) {
	benchConvert(b, "a.html", []byte(samplePage), 0)
}

// BenchmarkConvertPDF measures a warm engine on the 3-page fixture.
func BenchmarkConvertPDF(b *testing.B) {
	if err := WarmUp(context.Background(), Options{}); err != nil {
		b.Fatal(err)
	}
	benchConvert(b, "a.pdf", readTestdata(b, "policy.pdf"), 3)
}

// rss is the resident memory of the test process, from /proc.
func rss(tb testing.TB) string {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return "?"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "?"
}

// TestMeasurePDF prints the figures of README.md. Run it alone, in a fresh
// process, so that the engine start is the first:
//
//	go test ./ingest -run TestMeasurePDF -measure -v [-measure-pdf big.pdf]
func TestMeasurePDF(t *testing.T) {
	if !*measure {
		t.Skip("run with -measure")
	}
	data, err := os.ReadFile(*measurePDF)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	t.Logf("before: RSS %s", rss(t))
	start := time.Now()
	if err := WarmUp(ctx, Options{PDFCacheDir: *measureDir}); err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	t.Logf("engine start: %v, RSS %s; after GC: %s", took, rss(t), settled())
	c := &conv{opts: Options{}.withDefaults()}
	start = time.Now()
	pages, err := c.pdfPages(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	first := time.Since(start)
	t.Logf("first extraction: %d pages in %v (%v/page), RSS %s", len(pages), first, first/time.Duration(len(pages)), rss(t))
	const runs = 5
	start = time.Now()
	for range runs {
		if _, err := Convert(ctx, "a.pdf", data, testMeta, Options{}); err != nil {
			t.Fatal(err)
		}
	}
	each := time.Since(start) / runs
	t.Logf("warm Convert: %v per document, %v per page; RSS %s; after GC: %s",
		each, each/time.Duration(len(pages)), rss(t), settled())
}

// settled frees what the Go runtime can and reports the live heap and RSS.
func settled() string {
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return fmt.Sprintf("Go heap %d MB, RSS %s", ms.HeapAlloc>>20, rss(nil))
}
