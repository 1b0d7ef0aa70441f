package query

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func TestParseTable(t *testing.T) {
	in := "\uFEFF# comment\n" +
		"\n" +
		"出口信用保险 | 中信保 | 信保   # trailing comment\n" +
		"智能化改造 数字化转型\t智改数转\t\t\n" +
		"民宿｜客栈 | \n" +
		"首店\n" +
		"- | 提高企业 | 最高企业\n"
	got, err := parseTable("t", strings.NewReader(in), synonymTable)
	if err != nil {
		t.Fatalf("parseTable: %v", err)
	}
	want := []entry{
		{canonical: []string{"出口信用保险"}, variants: []string{"中信保", "信保"}},
		{canonical: []string{"智能化改造", "数字化转型"}, variants: []string{"智改数转"}},
		{canonical: []string{"民宿"}, variants: []string{"客栈"}},
		{canonical: []string{"首店"}},
		{blocker: true, variants: []string{"提高企业", "最高企业"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("parseTable =\n%+v\nwant\n%+v", got, want)
	}
}

func TestParseTableErrors(t *testing.T) {
	tests := []struct {
		name string
		kind tableKind
		in   string
		line int
		msg  string
	}{
		{"empty canonical", synonymTable, "# ok\n | 信保\n", 2, "canonical term"},
		{"blocker without phrases", synonymTable, "-\n", 1, `"-" line`},
		{"blocker mixed with terms", synonymTable, "民宿 - | 客栈\n", 1, `"-"`},
		{"glossary without English", glossaryTable, "海外仓\n", 1, "no English phrase"},
		{"glossary with Chinese phrase", glossaryTable, "海外仓 | overseas warehouse | 海外仓库\n", 1, "contains Chinese"},
		{"glossary phrase without letters", glossaryTable, "海外仓 | ...\n", 1, "no letters"},
		{"later line", glossaryTable, "海外仓 | overseas warehouse\n\n# c\n | hotel\n", 4, "canonical term"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseTable("extra.txt", strings.NewReader(tc.in), tc.kind)
			if err == nil {
				t.Fatalf("parseTable(%q) error = nil, want one", tc.in)
			}
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("parseTable(%q) error %v does not wrap ErrMalformed", tc.in, err)
			}
			prefix := "extra.txt:" + strconv.Itoa(tc.line) + ": "
			if !strings.HasPrefix(err.Error(), prefix) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("parseTable(%q) error = %q, want %q… containing %q", tc.in, err, prefix, tc.msg)
			}
		})
	}
}

func TestLoadNamesSource(t *testing.T) {
	path := filepath.Join(t.TempDir(), "officials.txt")
	if err := os.WriteFile(path, []byte("民宿 | 客栈\n | 农家乐\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })

	_, err = Load([]io.Reader{f}, nil)
	if err == nil || !strings.HasPrefix(err.Error(), path+":2: ") {
		t.Errorf("Load(file with a bad line 2) error = %v, want it to start with %q", err, path+":2: ")
	}

	_, err = Load(nil, []io.Reader{strings.NewReader("hotel\n")})
	if err == nil || !strings.HasPrefix(err.Error(), "extra glossary table 1:1: ") {
		t.Errorf("Load(unnamed bad glossary) error = %v, want it to start with %q", err, "extra glossary table 1:1: ")
	}
}

func TestEmbeddedTables(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		kind tableKind
		min  int
	}{
		{"synonyms.txt", defaultSynonyms, synonymTable, 150},
		{"glossary.txt", defaultGlossary, glossaryTable, 150},
	} {
		entries, err := parseTable(tc.name, strings.NewReader(string(tc.data)), tc.kind)
		if err != nil {
			t.Fatalf("embedded %s: %v", tc.name, err)
		}
		if len(entries) < tc.min {
			t.Errorf("embedded %s has %d lines, want at least %d", tc.name, len(entries), tc.min)
		}
	}
	r, err := Load(nil, nil)
	if err != nil {
		t.Fatalf("Load(nil, nil): %v", err)
	}
	if len(r.m.keys) < 1500 {
		t.Errorf("embedded tables give %d phrases, want at least 1500", len(r.m.keys))
	}
}
