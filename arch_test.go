package policybot_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// The layering of the module, outermost first. A package may import the
// packages of its own folder (its component: the first element of its path
// in the module) and those of any deeper layer, never those of its own layer
// in another component (adapter → adapter) nor of an outer one (core →
// adapter). Test files are not held to it: tests wire adapters together as
// the command does.
//
// The README's layering line ("Imports point inward: …") and the layer
// column of its Layout table are checked against this table by
// TestReadmeLayering: change both together.
var layers = []struct {
	name  string   // as the README's Layout table says it
	comps []string // components, the chain order within the core
}{
	{"command", []string{"cmd"}},
	// HTTP, databases, Slack, model servers and file formats: each outside
	// dependency in one adapter.
	{"adapter", []string{"web", "store", "slackbot", "llm", "ingest"}},
	// Corpus management (versions, publishing, audit) is used by the web
	// and store adapters and uses the core; it sits between them.
	{"service", []string{"corpus"}},
	{"core", []string{"bot"}},
	{"core", []string{"retrieval"}},
	{"core", []string{"policies"}},
}

// tools are the components outside the chain: test and build helpers and
// the module root (these tests). They may import any layer; nothing of the
// chain may import them, and the command does not need them.
var tools = []string{"internal", "."}

// knownViolations are imports that point the wrong way today, each with
// what removes it. An edge not listed here fails the test, and so does a
// listed one that is no longer there: remove it from the list. (None today:
// the message log's types moved to bot/convlog and the corpus's records to
// corpus/record; corpus receives upload conversion as a Converter.)
var knownViolations = map[[2]string]string{}

// rank is the depth of each component: 0 for the command and tools, then
// one more per layer of the chain; layers of the same name with several
// entries (the core) are ranked in the order given.
func rank() map[string]int {
	r := map[string]int{}
	for _, c := range tools {
		r[c] = 0
	}
	for i, l := range layers {
		for _, c := range l.comps {
			r[c] = i
		}
	}
	return r
}

// modulePackage is what go list says of one package of the module.
type modulePackage struct {
	ImportPath string
	Dir        string
	Imports    []string
	GoFiles    []string
}

// listPackages runs go list on the whole module.
func listPackages(tb testing.TB) (module string, pkgs []modulePackage) {
	tb.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	out, err := exec.Command(goTool, "list", "-m").Output()
	if err != nil {
		tb.Fatalf("go list -m: %v", err)
	}
	module = strings.TrimSpace(string(out))
	cmd := exec.Command(goTool, "list", "-json=ImportPath,Dir,Imports,GoFiles", "./...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err = cmd.Output()
	if err != nil {
		tb.Fatalf("go list ./...: %v\n%s", err, stderr.String())
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p modulePackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			tb.Fatalf("go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 10 {
		tb.Fatalf("go list found %d packages, want the module's", len(pkgs))
	}
	return module, pkgs
}

// component is the first element of a module package's path, "." for the
// module root, or "" for a package outside the module.
func component(module, path string) string {
	if path == module {
		return "."
	}
	rest, ok := strings.CutPrefix(path, module+"/")
	if !ok {
		return ""
	}
	first, _, _ := strings.Cut(rest, "/")
	return first
}

// TestImportsPointInward fails when a package imports a package of its own
// layer in another component, or of an outer layer.
func TestImportsPointInward(t *testing.T) {
	module, pkgs := listPackages(t)
	ranks := rank()
	seen := map[[2]string]bool{}
	for _, p := range pkgs {
		from := component(module, p.ImportPath)
		if _, ok := ranks[from]; !ok {
			t.Errorf("%s: the folder %s/ is in no layer: add it to layers or tools in arch_test.go, and to the README's Layout", p.ImportPath, from)
			continue
		}
		for _, imp := range p.Imports {
			to := component(module, imp)
			if to == "" || to == from {
				continue
			}
			if _, ok := ranks[to]; !ok {
				continue // reported as the importer of its own
			}
			if allowed(ranks, from, to) {
				continue
			}
			edge := [2]string{from, to}
			if _, known := knownViolations[edge]; known {
				seen[edge] = true
				continue
			}
			t.Errorf("%s imports %s: %s", p.ImportPath, imp, wrongWay(from, to))
		}
	}
	for edge, why := range knownViolations {
		if !seen[edge] {
			t.Errorf("known violation %s → %s (%s) is gone: remove it from knownViolations", edge[0], edge[1], why)
		}
	}
}

// allowed reports whether a package of component from may import one of
// component to (two different components).
func allowed(ranks map[string]int, from, to string) bool {
	return ranks[to] > ranks[from] && !slices.Contains(tools, to)
}

// TestLayerRule pins the rule down on examples.
func TestLayerRule(t *testing.T) {
	ranks := rank()
	tests := []struct {
		from, to string
		want     bool
	}{
		{"cmd", "web", true}, {"cmd", "corpus", true}, {"cmd", "policies", true},
		{"web", "bot", true}, {"web", "corpus", true}, {"store", "corpus", true}, {"llm", "retrieval", true},
		{"corpus", "retrieval", true}, {"bot", "retrieval", true}, {"retrieval", "policies", true},
		{"internal", "policies", true}, {".", "web", true},
		{"web", "store", false}, {"store", "web", false}, {"llm", "ingest", false}, // adapter → adapter
		{"bot", "llm", false}, {"retrieval", "web", false}, {"policies", "ingest", false}, // core → adapter
		{"corpus", "ingest", false}, {"corpus", "web", false}, {"bot", "corpus", false},
		{"retrieval", "bot", false}, {"policies", "retrieval", false}, // outward within the core
		{"web", "cmd", false}, {"cmd", "internal", false}, {"policies", "internal", false},
	}
	for _, tc := range tests {
		if got := allowed(ranks, tc.from, tc.to); got != tc.want {
			t.Errorf("allowed(%s → %s) = %v, want %v", tc.from, tc.to, got, tc.want)
		}
	}
}

// wrongWay says why an import from component from to component to is not
// allowed.
func wrongWay(from, to string) string {
	name := func(c string) string {
		for _, l := range layers {
			if slices.Contains(l.comps, c) {
				return l.name
			}
		}
		return "tool"
	}
	switch {
	case slices.Contains(tools, to):
		return fmt.Sprintf("nothing of the product imports the %s/ helpers", to)
	case name(from) == name(to) && name(from) != "core":
		return fmt.Sprintf("%s → %s is %s → %s; only the command wires %ss together", from, to, name(from), name(to), name(to))
	}
	return fmt.Sprintf("%s (%s) → %s (%s) points outward; imports point inward: %s", from, name(from), to, name(to), chain())
}

// chain is the layering as the README writes it.
func chain() string {
	var parts []string
	for _, l := range layers {
		names := make([]string, len(l.comps))
		for i, c := range l.comps {
			names[i] = "`" + c + "`"
		}
		if len(l.comps) > 1 {
			parts = append(parts, l.name+"s ("+strings.Join(names, ", ")+")")
		} else {
			parts = append(parts, names[0])
		}
	}
	return strings.Join(parts, " → ")
}

// TestReadmeLayering: the README's "Imports point inward" line is the chain
// of layers, and its Layout table has a row for every component, whose
// layer column is the component's layer.
func TestReadmeLayering(t *testing.T) {
	data, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	_, section, ok := strings.Cut(readme, "\n## Layout\n")
	if !ok {
		t.Fatal("README.md has no ## Layout section")
	}
	section, _, _ = strings.Cut(section, "\n## ")

	// The layering line, which may wrap.
	para := ""
	for _, p := range strings.Split(section, "\n\n") {
		if strings.HasPrefix(strings.TrimSpace(p), "Imports point inward:") {
			para = strings.Join(strings.Fields(p), " ")
		}
	}
	want := "Imports point inward: " + chain()
	rest, ok := strings.CutPrefix(para, want)
	if !ok {
		t.Errorf("README's layering line is\n\t%s\nwant it to start with\n\t%s", para, want)
	}
	// After the chain, the paragraph names the imports that still point
	// the wrong way ("`store` → `web`"): those of knownViolations.
	var named [][2]string
	for _, m := range regexp.MustCompile("`([a-z]+)` → `([a-z]+)`").FindAllStringSubmatch(rest, -1) {
		named = append(named, [2]string{m[1], m[2]})
	}
	for edge := range knownViolations {
		if !slices.Contains(named, edge) {
			t.Errorf("README's layering paragraph does not name `%s` → `%s`, an import that still points the wrong way", edge[0], edge[1])
		}
	}
	for _, edge := range named {
		if _, ok := knownViolations[edge]; !ok {
			t.Errorf("README's layering paragraph names `%s` → `%s`, which is not a known violation (any more)", edge[0], edge[1])
		}
	}

	// The table: | `folder` | layer | what |.
	row := regexp.MustCompile("(?m)^\\| `([^`]+)` \\| ([^|]*) \\|")
	layerOf := map[string]string{}
	for _, c := range tools {
		layerOf[c] = "tools"
	}
	for _, l := range layers {
		for _, c := range l.comps {
			layerOf[c] = l.name
		}
	}
	rows := map[string]bool{}
	for _, m := range row.FindAllStringSubmatch(section, -1) {
		folder, layer := strings.TrimSuffix(m[1], "/"), strings.TrimSpace(m[2])
		if _, err := os.Stat(folder); err != nil {
			t.Errorf("README's Layout names %s, which is not in the repository", m[1])
		}
		comp, _, _ := strings.Cut(folder, "/")
		rows[comp] = true
		want, ok := layerOf[comp]
		if !ok {
			want = "—" // a folder without Go code
		}
		if layer != want {
			t.Errorf("README's Layout: %s is %q, want %q", m[1], layer, want)
		}
	}
	for c := range layerOf {
		if c != "." && !rows[c] {
			t.Errorf("README's Layout has no row for %s/", c)
		}
	}
}
