package web_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"

	"policybot/web"
)

// matchResponse is POST /api/match's answer as a client reads it.
type matchResponse struct {
	Understood struct {
		Region       string             `json:"region"`
		Category     string             `json:"category"`
		Figures      map[string]float64 `json:"figures"`
		Designations []struct {
			Name string `json:"name"`
			Tier string `json:"tier"`
		} `json:"designations"`
	} `json:"understood"`
	Matches []struct {
		Doc          string   `json:"doc"`
		Article      int      `json:"article"`
		Status       string   `json:"status"`
		Subject      string   `json:"subject"`
		EstimateYuan *float64 `json:"estimate_yuan"`
		Working      string   `json:"working"`
		Conditions   []string `json:"conditions"`
		Unmet        []string `json:"unmet"`
		Department   string   `json:"department"`
		Deadline     string   `json:"deadline"`
		URL          string   `json:"url"`
		Quote        string   `json:"quote"`
		Counted      bool     `json:"counted"`
	} `json:"matches"`
	Total     *float64 `json:"total_estimate_yuan"`
	TotalNote string   `json:"total_note"`
	Notes     []string `json:"notes"`
}

const matchSentence = "我们是吴中一家做精密零部件的规上企业，去年营收8亿，今年设备投了3000万，刚评上省级专精特新"

// TestMatchAPI: a sentence and a profile, each answered with what was
// understood, the matches in the shape web/README.md documents and the total.
func TestMatchAPI(t *testing.T) {
	e := newTestServer(t, web.Options{}, nil)
	res := e.post(t, "/api/match", map[string]any{"text": matchSentence})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("POST /api/match = %d %s", res.StatusCode, readBody(t, res))
	}
	m := decode[matchResponse](t, res)
	if m.Understood.Region != "吴中区" || m.Understood.Category != "manufacturing" || m.Understood.Figures["revenue_yuan"] != 8e8 ||
		len(m.Understood.Designations) == 0 || m.Understood.Designations[0].Tier != "省级" {
		t.Errorf("understood = %+v; want 吴中区, manufacturing, revenue 8亿, 省级 专精特新", m.Understood)
	}
	if len(m.Matches) != 3 {
		t.Fatalf("%d matches, want 3: %+v", len(m.Matches), m.Matches)
	}
	first := m.Matches[0]
	if first.Doc != "wz-mfg-2025" || first.Article != 6 || first.Status != "matched" || first.EstimateYuan == nil || *first.EstimateYuan != 200000 ||
		!strings.HasSuffix(first.URL, "/policies/wz-mfg-2025#article-6") || !strings.Contains(first.Quote, "省级专精特新中小企业的，奖励20万元") ||
		first.Department != "区工信局" || !strings.Contains(first.Deadline, "每年集中申报一次") || first.Conditions == nil || !first.Counted {
		t.Errorf("first match = %+v; want 第6条 matched, 20万元, with its url, quote, department and deadline", first)
	}
	second := m.Matches[1]
	if second.Status != "possible" || len(second.Conditions) == 0 || second.EstimateYuan == nil || *second.EstimateYuan != 3e6 ||
		!strings.Contains(second.Working, "3000万元×10%") || second.Counted {
		t.Errorf("second match = %+v; want 第3条 possible, 300万元 with its working, not counted", second)
	}
	if m.Total == nil || *m.Total != 200000 || !strings.Contains(m.TotalNote, "仅为估算") {
		t.Errorf("total %v %q; want 20万元, labelled an estimate", m.Total, m.TotalNote)
	}
	if len(m.Notes) == 0 || !strings.Contains(m.Notes[0], "不享受") {
		t.Errorf("notes %q; want the exclusions", m.Notes)
	}

	// A profile, and the full view with what fails.
	res = e.post(t, "/api/match", `{"profile": {"category": "culture-sports-tourism", "designations": [{"name": "旅游景区", "tier": "4A", "new": true}]}, "full": true}`)
	m = decode[matchResponse](t, res)
	var statuses []string
	for _, x := range m.Matches {
		statuses = append(statuses, x.Status)
		if x.Status == "not_matched" && len(x.Unmet) == 0 {
			t.Errorf("not matched without the reason: %+v", x)
		}
	}
	if len(m.Matches) != 3 || m.Matches[0].Article != 3 || m.Matches[0].Status != "matched" || *m.Total != 1e6 || statuses[1] != "not_matched" {
		t.Errorf("4A profile, full view: %v, total %v; want 4A matched (100万) and 5A, 3A not matched", statuses, *m.Total)
	}
}

// TestMatchErrors: every refusal says what is wrong in both languages.
func TestMatchErrors(t *testing.T) {
	e := newTestServer(t, web.Options{}, nil)
	for _, tc := range []struct {
		name   string
		body   string
		status int
		zh     string
	}{
		{"bad JSON", `{"profile": `, http.StatusBadRequest, "JSON"},
		{"empty body", ``, http.StatusBadRequest, "请求内容为空"},
		{"nothing said", `{}`, http.StatusBadRequest, "请填写企业情况"},
		{"unknown figure", `{"profile": {"figures": {"profit_yuan": 1}}}`, http.StatusBadRequest, "profit_yuan"},
		{"wrong type", `{"profile": {"figures": {"revenue_yuan": "八亿"}}}`, http.StatusBadRequest, "JSON"},
		{"bad tier", `{"profile": {"designations": [{"name": "专精特新", "tier": "宇宙级"}]}}`, http.StatusBadRequest, "宇宙级"},
		{"text too long", `{"text": "` + strings.Repeat("营收八亿", 600) + `"}`, http.StatusBadRequest, "2000"},
		{"huge body", `{"text": "` + strings.Repeat("a", 200<<10) + `"}`, http.StatusRequestEntityTooLarge, "过大"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := e.post(t, "/api/match", tc.body)
			if res.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, tc.status, readBody(t, res))
			}
			er := decode[errorResponse](t, res)
			if er.Error == "" || !strings.Contains(er.ErrorZh, tc.zh) {
				t.Errorf("error %q / %q; want an English message and a Chinese one naming %q", er.Error, er.ErrorZh, tc.zh)
			}
		})
	}
	if res := e.get(t, "/api/match"); res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /api/match = %d, want 405", res.StatusCode)
	}
}

// TestMatchUploadedMeasure: a measure an official uploads and publishes
// through the admin API is matched at once, from a profile and from a
// sentence that names its designation.
func TestMatchUploadedMeasure(t *testing.T) {
	e := startAdminServer(t, web.AdminDeps{})
	post := func(body string) matchResponse {
		t.Helper()
		res := e.request(t, http.MethodPost, "/api/match", strings.NewReader(body), "Content-Type", "application/json")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("POST /api/match = %d %s", res.StatusCode, readBody(t, res))
		}
		return decode[matchResponse](t, res)
	}
	profile := `{"profile": {"designations": [{"name": "工业互联网标杆工厂", "tier": "省级", "new": true}],
		"other_figures": [{"name": "上云用云支出", "value": 800000, "unit": "元"}]}}`
	if m := post(profile); len(m.Matches) != 0 {
		t.Fatalf("before the upload: %+v", m.Matches)
	}
	// A measure of none of the bundled corpus's wording.
	digital, err := os.ReadFile("../testdata/measures/wz-digital-2026.md")
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, e.upload(t, chenToken, "?publish=1", "digital.md", digital, nil), http.StatusCreated, "upload and publish")
	for _, body := range []string{profile, `{"text": "我们刚评上省级工业互联网标杆工厂，今年上云用云支出80万"}`} {
		m := post(body)
		got := map[int]float64{}
		for _, x := range m.Matches {
			if x.Doc == "wz-digital-2026" && x.Status == "matched" && x.EstimateYuan != nil {
				got[x.Article] = *x.EstimateYuan
			}
		}
		// 第2条: 省级 → 50万元; 第3条: 80万 ≥ 50万, 80万×30% = 24万 ≤ 30万.
		if got[2] != 500000 || got[3] != 240000 || m.Total == nil || *m.Total != 740000 {
			t.Errorf("%s: matched %v, total %v; want 第2条 50万元 and 第3条 24万元, 74万元 in all\n%+v", body, got, m.Total, m.Matches)
		}
	}
}

// TestOpenAIMatchList: asked "能申请哪些政策" through the OpenAI-compatible
// endpoint, with the company's situation in an earlier message, the reply
// is the match list with a citation per measure.
func TestOpenAIMatchList(t *testing.T) {
	e := newTestServer(t, web.Options{}, nil)
	body, _ := json.Marshal(map[string]any{"model": "policybot", "messages": []map[string]string{
		{"role": "user", "content": matchSentence},
		{"role": "assistant", "content": "……"},
		{"role": "user", "content": "我能申请哪些政策？"},
	}})
	res := e.post(t, "/v1/chat/completions", string(bytes.TrimSpace(body)))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("POST /v1/chat/completions = %d %s", res.StatusCode, readBody(t, res))
	}
	type completion struct {
		Choices []struct {
			Message struct {
				Content string `json:"content"`
			} `json:"message"`
		} `json:"choices"`
		PolicyBot struct {
			Mode      string            `json:"mode"`
			Citations []json.RawMessage `json:"citations"`
		} `json:"policybot"`
	}
	out := decode[completion](t, res)
	if len(out.Choices) != 1 {
		t.Fatalf("choices = %+v", out.Choices)
	}
	c := out.Choices[0].Message.Content
	for _, want := range []string{"可能适用的政策", "第6条", "测算20万元", "待确认", "仅为估算"} {
		if !strings.Contains(c, want) {
			t.Errorf("content lacks %q:\n%s", want, c)
		}
	}
	if out.PolicyBot.Mode != "answer" || len(out.PolicyBot.Citations) != 3 {
		t.Errorf("policybot = mode %q, %d citations; want answer with the 3 measures", out.PolicyBot.Mode, len(out.PolicyBot.Citations))
	}
}

// TestMatchInsights: every matching is recorded without the company's
// free text, and the admin insights report the profiles that matched
// nothing and the conditions most often left open.
func TestMatchInsights(t *testing.T) {
	e := startAdminServer(t, web.AdminDeps{})
	for _, body := range []string{
		`{"text": "` + matchSentence + `"}`,
		`{"text": "我们是吴中一家做模具的工厂，今年设备投了2500万"}`,
		`{"profile": {"region": "相城区", "category": "manufacturing", "designations": [{"name": "专精特新", "tier": "省级", "new": true}]}}`,
	} {
		res := e.request(t, http.MethodPost, "/api/match", strings.NewReader(body), "Content-Type", "application/json")
		wantStatus(t, res, http.StatusOK, "POST /api/match")
	}
	recs, err := e.store.Matches(t.Context(), testNow.AddDate(0, 0, -1), 10)
	if err != nil || len(recs) != 3 {
		t.Fatalf("recorded %d matchings (%v), want 3", len(recs), err)
	}
	if strings.Contains(string(recs[0].Profile), "精密零部件的规上企业") || strings.Contains(string(recs[0].Profile), `"text"`) {
		t.Errorf("the company's free text was recorded: %s", recs[0].Profile)
	}
	var ins struct {
		Matchings int `json:"matchings"`
		NoMatch   int `json:"no_match"`
		Empty     []struct {
			Profile string `json:"profile"`
			Count   int    `json:"count"`
		} `json:"empty_profiles"`
		Unknown []struct {
			Condition string `json:"condition"`
			Count     int    `json:"count"`
		} `json:"unknown_conditions"`
	}
	body := wantStatus(t, e.as(t, chenToken, http.MethodGet, "/admin/api/insights/matches?days=7", nil), http.StatusOK, "match insights")
	if err := json.Unmarshal([]byte(body), &ins); err != nil {
		t.Fatal(err)
	}
	if ins.Matchings != 3 || ins.NoMatch != 1 || len(ins.Empty) != 1 || !strings.Contains(ins.Empty[0].Profile, "相城区") {
		t.Errorf("insights = %+v; want 3 matchings, the 相城区 profile as the one that matched nothing", ins)
	}
	if len(ins.Unknown) == 0 || ins.Unknown[0].Condition != "是否属于：新引进或增资扩产的重大制造业项目？" || ins.Unknown[0].Count != 2 {
		t.Errorf("unknown conditions = %+v; want the 新引进或增资扩产 condition first, left open twice", ins.Unknown)
	}
	wantStatus(t, e.request(t, http.MethodGet, "/admin/api/insights/matches", nil), http.StatusUnauthorized, "without a token")
	wantStatus(t, e.as(t, chenToken, http.MethodGet, "/admin/api/insights/matches?days=0", nil), http.StatusBadRequest, "days=0")
}
