package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestReadDotEnv(t *testing.T) {
	valid := `# PolicyBot
POLICYBOT_ADDR=:9090

export LLM_MODEL=qwen2.5   # a comment
LLM_API_KEY="with # inside"
POLICYBOT_CONTACT='区政务服务热线 12345'
SLACK_API_URL: http://127.0.0.1:1
MULTI="one
two"
`
	vals, err := readDotEnv(writeDotEnv(t, valid))
	if err != nil {
		t.Fatalf("readDotEnv(valid) = %v", err)
	}
	want := map[string]string{"POLICYBOT_ADDR": ":9090", "LLM_MODEL": "qwen2.5", "LLM_API_KEY": "with # inside",
		"POLICYBOT_CONTACT": "区政务服务热线 12345", "SLACK_API_URL": "http://127.0.0.1:1", "MULTI": "one\ntwo"}
	for k, v := range want {
		if vals[k] != v {
			t.Errorf("readDotEnv(valid)[%s] = %q, want %q", k, vals[k], v)
		}
	}
	if vals, err := readDotEnv(filepath.Join(t.TempDir(), ".env")); err != nil || vals != nil {
		t.Errorf("readDotEnv(missing file) = %v, %v; want nothing and no error", vals, err)
	}

	tests := []struct {
		name, file string
		line       int
		what       string // in the English part
	}{
		{"no =", "POLICYBOT_ADDR=:9090\nLLM_MODEL\nLLM_TIMEOUT=5s\n", 2, `no "=" after the name`},
		{"no = on the last line", "POLICYBOT_ADDR=:9090\nLLM_MODEL", 2, `no "=" after the name`},
		{"unterminated quote", "# keys\nPOLICYBOT_ADDR=:9090\nLLM_API_KEY=\"sk-secret-value\nLLM_TIMEOUT=5s\n", 3, "no closing quote"},
		{"space in a name", "POLICYBOT ADDR=:9090\n", 1, `"POLICYBOT ADDR" is not a variable name`},
		{"dash in a name", "A=1\n\nPOLICYBOT-ADDR=:9090\n", 3, `"-" cannot be part of a variable name`},
		{"text after a quoted value", "A=1\nB='x' y\nC=2\n", 2, `no "=" after the name`},
		{"after a value of two lines", "A=\"one\ntwo\"\nB=2\nC D=3\n", 4, `"C D" is not a variable name`},
		{"windows line ends", "A=1\r\nB\r\nC=3\r\n", 2, `no "=" after the name`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := writeDotEnv(t, tc.file)
			_, err := readDotEnv(path)
			if err == nil {
				t.Fatalf("readDotEnv(%q) succeeded, want an error at line %d", tc.file, tc.line)
			}
			msg := err.Error()
			for _, want := range []string{path + " line " + itoa(tc.line) + ": ", tc.what, "第 " + itoa(tc.line) + " 行"} {
				if !strings.Contains(msg, want) {
					t.Errorf("readDotEnv(%q) = %q, want it to contain %q", tc.file, msg, want)
				}
			}
			if strings.Contains(msg, "secret") {
				t.Errorf("readDotEnv(%q) = %q: it quotes the value", tc.file, msg)
			}
		})
	}

	if _, err := readDotEnv(t.TempDir()); err == nil || !strings.Contains(err.Error(), "无法读取") {
		t.Errorf("readDotEnv(a directory) = %v, want an error saying it cannot be read", err)
	}
}

// TestRunRefusesMalformedDotEnv: a .env that is wrong stops the program with
// the line, instead of being left out silently.
func TestRunRefusesMalformedDotEnv(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, ".env"), []byte("POLICYBOT_LOG_LEVEL=debug\nLLM_PROVIDER ollama\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	err := run(context.Background(), []string{"policybot", "check"}, func(string) string { return "" }, strings.NewReader(""), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), ".env line 2: ") || !strings.Contains(err.Error(), "第 2 行") {
		t.Errorf("run(check) with a malformed .env = %v, want an error naming line 2", err)
	}
}

func writeDotEnv(tb testing.TB, content string) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), ".env")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

func itoa(n int) string { return strconv.Itoa(n) }
