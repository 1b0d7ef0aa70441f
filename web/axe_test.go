package web_test

// axe-core (https://github.com/dequelabs/axe-core, MPL-2.0) checks the
// pages and the widget for accessibility problems inside the browser
// tests. The unmodified minified build is vendored in testdata/axe (with its
// licence), so the tests never need the network; it is test data only and
// is not compiled into the binary.

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
)

var (
	axeOnce   sync.Once
	axeSource string
	axeErr    error
)

// axeViolation is one rule axe-core found broken, with the elements.
type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// checkAxe runs axe-core on the page as it is now (the widget's open
// shadow root included) and fails the test on any serious or critical
// violation. what names the state of the page in the message.
func checkAxe(t testing.TB, ctx context.Context, what string) []axeViolation {
	t.Helper()
	axeOnce.Do(func() {
		var b []byte
		b, axeErr = os.ReadFile("testdata/axe/axe.min.js")
		axeSource = string(b)
	})
	if axeErr != nil {
		t.Fatalf("read axe-core: %v", axeErr)
	}
	loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!window.axe`))
	if err != nil {
		t.Fatalf("axe-core (%s): %v", what, err)
	}
	if !loaded {
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](axeSource+";undefined")); err != nil {
			t.Fatalf("load axe-core: %v", err)
		}
	}
	vs, err := chromedp.Run(ctx, chromedp.Evaluate[[]axeViolation](`axe.run(document, {resultTypes: ['violations']}).then(function (r) {
		return r.violations.map(function (v) {
			return {id: v.id, impact: v.impact || '', help: v.help,
				nodes: v.nodes.map(function (n) { return [].concat(n.target).join(' >>> ') + ' ' + (n.failureSummary || '').replace(/\s+/g, ' '); })};
		});
	})`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("run axe-core (%s): %v", what, err)
	}
	for _, v := range vs {
		msg := fmt.Sprintf("axe-core, %s: %s (%s): %s\n\t%s", what, v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n\t"))
		if v.Impact == "serious" || v.Impact == "critical" {
			t.Error(msg)
		} else {
			t.Log(msg)
		}
	}
	return vs
}
