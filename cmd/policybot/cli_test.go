package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"policybot/corpus"
	"policybot/ingest"
	"policybot/retrieval"
	"policybot/store"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
)

// runCLI runs the program in-process with a fake environment.
func runCLI(tb testing.TB, env map[string]string, args ...string) (stdout, stderr string, err error) {
	tb.Helper()
	if env == nil {
		env = map[string]string{}
	}
	if _, ok := env["POLICYBOT_DATA_DIR"]; !ok {
		env["POLICYBOT_DATA_DIR"] = tb.TempDir()
	}
	var out, errb bytes.Buffer
	err = run(context.Background(), append([]string{"policybot"}, args...), func(k string) string { return env[k] }, strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), err
}

func TestCheckBundledCorpus(t *testing.T) {
	out, _, err := runCLI(t, nil, "check")
	if err != nil {
		t.Fatalf("check: %v\n%s", err, out)
	}
	for id, n := range map[string]string{"wz-mfg-2025": "15", "wz-com-2025": "15", "wz-cst-2025": "14", "wz-meeting-2025-02-24": "10"} {
		if !regexp.MustCompile(`(?m)^` + id + `\s.*\s` + n + `\s+(yes|no|sample)\s*$`).MatchString(out) {
			t.Errorf("check output lacks %s with %s articles:\n%s", id, n, out)
		}
	}
}

func TestCheckSeedFileFails(t *testing.T) {
	out, _, err := runCLI(t, nil, "check", "../../testdata/seed/000_40573cf00690dfd2.txt")
	if err == nil {
		t.Fatalf("check of the spam-damaged seed succeeded:\n%s", out)
	}
	for _, want := range []string{"新万博", "ICP备10060399号", "网站标识码", "公安部备案号", "主办单位:", "front matter"} {
		if !strings.Contains(out, want) {
			t.Errorf("check output lacks %q", want)
		}
	}
}

func TestCheckDirectoryWithBadFiles(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"good.md":   "---\nid: good\ntitle: 好\ncategory: other\n---\n第一条 内容。\n",
		"binary.md": "\x00\x01\x02",
		"empty.txt": "",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, _, err := runCLI(t, nil, "check", dir)
	if err == nil {
		t.Fatalf("check succeeded:\n%s", out)
	}
	for _, want := range []string{"binary.md: error: binary file", "empty.txt: error: empty file", "good "} {
		if !strings.Contains(out, want) {
			t.Errorf("check output lacks %q:\n%s", want, out)
		}
	}
}

func TestAskJSON(t *testing.T) {
	out, _, err := runCLI(t, nil, "ask", "--json", "境外展会的展位费补助上限是多少")
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Answer    string           `json:"answer"`
		Refused   bool             `json:"refused"`
		Citations []map[string]any `json:"citations"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("ask --json output is not JSON: %v\n%s", err, out)
	}
	if got.Refused || len(got.Citations) == 0 {
		t.Fatalf("ask --json = %s", out)
	}
	for _, k := range []string{"doc", "article", "title", "department", "quote"} {
		if _, ok := got.Citations[0][k]; !ok {
			t.Errorf("citation lacks %q: %v", k, got.Citations[0])
		}
	}
	if got.Citations[0]["doc"] != "wz-com-2025" || got.Citations[0]["article"] != float64(4) {
		t.Errorf("citation = %v, want wz-com-2025 article 4", got.Citations[0])
	}
}

func TestAskConversationAcrossProcesses(t *testing.T) {
	env := map[string]string{"POLICYBOT_DATA_DIR": t.TempDir()}
	if _, _, err := runCLI(t, env, "ask", "--conversation", "c1", "新评定为五星级旅游饭店奖励多少"); err != nil {
		t.Fatal(err)
	}
	out, _, err := runCLI(t, env, "ask", "--json", "--conversation", "c1", "那四星级的呢？")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "80万元") {
		t.Errorf("follow-up in a new process = %s, want the 四星级 clause", out)
	}
}

func TestEvalJSONFormatAndThresholds(t *testing.T) {
	set := filepath.Join(t.TempDir(), "q.jsonl")
	lines := `{"id": "a", "q": "海外仓补助的比例", "doc": "wz-com-2025", "article": 7, "contains": ["30%"]}
{"id": "b", "q": "医保报销比例是多少", "refuse": true}
{"id": "c", "turns": ["首次纳入规模以上工业统计奖励多少", "那营收首次突破100亿元呢"], "doc": "wz-mfg-2025", "article": 7, "contains": ["200万元"]}
`
	if err := os.WriteFile(set, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err := runCLI(t, nil, "eval", "--json", set)
	if err != nil {
		t.Fatal(err)
	}
	var rep map[string]any
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("eval --json is not JSON: %v", err)
	}
	for _, k := range []string{"n", "hit_at_1", "hit_at_5", "mrr", "answer_ok", "citation_ok", "refusal_ok", "false_refusal", "forbidden_hits", "p50_ms", "p95_ms", "results"} {
		if _, ok := rep[k]; !ok {
			t.Errorf("eval report lacks %q", k)
		}
	}
	if rep["n"] != float64(3) || rep["hit_at_1"] != float64(1) || rep["refusal_ok"] != float64(1) || rep["answer_ok"] != float64(1) {
		t.Errorf("eval report = n %v hit@1 %v refusal_ok %v answer_ok %v", rep["n"], rep["hit_at_1"], rep["refusal_ok"], rep["answer_ok"])
	}
	r0 := rep["results"].([]any)[0].(map[string]any)
	for _, k := range []string{"id", "answer", "refused", "retrieved", "citations", "hit_rank", "answer_ok", "citation_ok", "ms"} {
		if _, ok := r0[k]; !ok {
			t.Errorf("result lacks %q", k)
		}
	}
	// A target the run cannot meet fails the command.
	if _, stderr, err := runCLI(t, nil, "eval", "--max-false-refusal", "-0.5", "--min-hit1", "1.01", set); err == nil || !strings.Contains(stderr, "hit_at_1") {
		t.Errorf("eval with an unmeetable target: err %v, stderr %q", err, stderr)
	}
}

func TestBadConfig(t *testing.T) {
	for _, env := range []map[string]string{{"LLM_TIMEOUT": "soon"}, {"EMBED_PROVIDER": "magic"}, {"LLM_PROVIDER": "oracle"}} {
		if _, _, err := runCLI(t, env, "check"); err == nil {
			t.Errorf("config %v accepted", env)
		}
	}
}

// TestAskFlagsAfterTheQuestion: "ask 问题 --json" is the question with
// --json, not a question ending in "--json"; after "--" all is question.
func TestAskFlagsAfterTheQuestion(t *testing.T) {
	out, _, err := runCLI(t, nil, "ask", "境外展会的展位费补助上限是多少", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Answer  string `json:"answer"`
		Mode    string `json:"mode"`
		Choices []any  `json:"choices"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil || got.Mode == "" || got.Choices == nil {
		t.Fatalf("ask QUESTION --json printed %q (%v), want JSON with mode and choices", out, err)
	}
	out, _, err = runCLI(t, nil, "ask", "--", "--json")
	if err != nil || strings.HasPrefix(strings.TrimSpace(out), "{") {
		t.Errorf("ask -- --json = %q, %v; want --json taken as the question", out, err)
	}
}

// TestCheckPrintsColumns: every finding with a line has a column.
func TestCheckPrintsColumns(t *testing.T) {
	dir := t.TempDir()
	body := "---\nid: bad-doc\ntitle: 坏\ncategory: nonsense\n---\n第一条 内容。\n第三条 跳号。\n"
	if err := os.WriteFile(filepath.Join(dir, "bad.md"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err := runCLI(t, nil, "check", dir)
	if err == nil {
		t.Fatalf("check succeeded:\n%s", out)
	}
	for _, want := range []string{"bad.md:4:1: error: unknown category", "bad.md:7:1: error: 第3条 follows 第1条"} {
		if !strings.Contains(out, want) {
			t.Errorf("check output lacks %q:\n%s", want, out)
		}
	}
}

// check --provisions shows an official what the bot understands of each
// clause: the tier, the amount, the rate and its cap, the threshold.
func TestCheckProvisions(t *testing.T) {
	out, _, err := runCLI(t, nil, "check", "--provisions", "../../policies/corpus/wz-mfg-2025.md")
	if err != nil {
		t.Fatalf("check --provisions: %v\n%s", err, out)
	}
	for _, want := range []string{"第5条", "benefit [省级] 对象：新获评省级智能制造示范车间 → 50万元", "投入额×12%，上限300万元（单个企业每年）", "年度设备和软件投入 >= 500万元"} {
		if !strings.Contains(out, want) {
			t.Errorf("check --provisions lacks %q", want)
		}
	}
}

// ask answers from what serve publishes: with serve's store in the data
// directory, a document published there (and not in the bundled corpus) is
// what ask cites.
func TestAskAnswersFromTheStore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.OpenSQLite(ctx, filepath.Join(dir, dbFile))
	if err != nil {
		t.Fatal(err)
	}
	svc, err := corpus.New(corpus.Options{Store: st, Live: retrieval.NewLive(nil), Questions: st, Convert: converter(ingest.Options{})})
	if err != nil {
		t.Fatal(err)
	}
	doc := "---\nid: wz-ocean-2026\ntitle: 关于支持深海养殖装备发展的若干措施\ncategory: other\neffective_from: 2026-01-01\n---\n\n" +
		"第一条 为支持深海养殖装备产业发展，制定本措施。\n\n第二条 企业购置深海养殖网箱的，按购置金额的30%给予补贴，每家企业最高补贴200万元。（责任单位：区农业农村局）\n"
	if _, err := svc.Seed(ctx, "test", fstest.MapFS{"ocean.md": {Data: []byte(doc)}}); err != nil {
		t.Fatal(err)
	}
	svc.Close()
	st.Close()

	out, _, err := runCLI(t, map[string]string{"POLICYBOT_DATA_DIR": dir}, "ask", "--json", "购置深海养殖网箱能补贴多少")
	if err != nil {
		t.Fatalf("ask: %v\n%s", err, out)
	}
	if !strings.Contains(out, "wz-ocean-2026") || !strings.Contains(out, "30%") {
		t.Errorf("ask over the store = %s, want the published document's 第2条", out)
	}
	// The bundled corpus is not what the store publishes.
	out, _, _ = runCLI(t, map[string]string{"POLICYBOT_DATA_DIR": dir}, "ask", "--json", "首次认定为国家级专精特新小巨人企业奖励多少")
	if strings.Contains(out, "wz-mfg-2025") {
		t.Errorf("ask over the store cited the bundled corpus: %s", out)
	}
}

// TestEvalForeignCitations: a reply citing a measure of a region the
// question did not name, and that the home region is not in, is counted.
func TestEvalForeignCitations(t *testing.T) {
	sc := evalScope{home: "吴中区", docRegion: map[string]string{
		"wz": "吴中区", "sz": "苏州市", "xc": "相城区", "ks": "昆山市", "js": "江苏省", "sip": "苏州工业园区",
	}}
	tests := []struct {
		q     evalQuestion
		cites []string
		want  bool
	}{
		{evalQuestion{Q: "智改数转补多少"}, []string{"wz", "sz", "js"}, false},
		{evalQuestion{Q: "智改数转补多少"}, []string{"xc"}, true},
		{evalQuestion{Q: "相城区的智改数转补多少"}, []string{"xc"}, false},
		{evalQuestion{Q: "相城区的智改数转补多少"}, []string{"ks"}, true},
		{evalQuestion{Turns: []string{"我们在昆山", "智改数转补多少"}}, []string{"ks"}, false},
		{evalQuestion{Q: "2024年的补贴", Region: "昆山市"}, []string{"ks"}, false},
		{evalQuestion{Q: "智改数转补多少"}, []string{"unknown-doc"}, false},
		{evalQuestion{Q: "产业园区的企业智改数转补多少"}, []string{"sip"}, true},
		{evalQuestion{Q: "苏州市级专精特新奖励多少"}, []string{"sz"}, false},
		{evalQuestion{Q: "苏州市级专精特新奖励多少"}, []string{"ks"}, true},
	}
	for _, tc := range tests {
		var cites []evalRef
		for _, d := range tc.cites {
			cites = append(cites, evalRef{Doc: d, Article: 1})
		}
		if got := sc.foreign(tc.q, cites); got != tc.want {
			t.Errorf("foreign(%q %q region %q, %v) = %v, want %v", tc.q.Q, tc.q.Turns, tc.q.Region, tc.cites, got, tc.want)
		}
	}
}
