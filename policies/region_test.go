package policies

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestDefaultRegions(t *testing.T) {
	g := DefaultRegions()
	tests := []struct {
		name      string
		canonical string
		level     Level
		ancestors []string
	}{
		{"吴中区", "吴中区", LevelDistrict, []string{"苏州市", "江苏省", "全国"}},
		{"吴中", "吴中区", LevelDistrict, []string{"苏州市", "江苏省", "全国"}},
		{"园区", "苏州工业园区", LevelDistrict, []string{"苏州市", "江苏省", "全国"}},
		{"工业园区", "苏州工业园区", LevelDistrict, []string{"苏州市", "江苏省", "全国"}},
		{"苏州工业园区", "苏州工业园区", LevelDistrict, []string{"苏州市", "江苏省", "全国"}},
		{"高新区", "虎丘区", LevelDistrict, []string{"苏州市", "江苏省", "全国"}},
		{"虎丘区", "虎丘区", LevelDistrict, []string{"苏州市", "江苏省", "全国"}},
		{"相城", "相城区", LevelDistrict, []string{"苏州市", "江苏省", "全国"}},
		{"姑苏", "姑苏区", LevelDistrict, []string{"苏州市", "江苏省", "全国"}},
		{"吴江", "吴江区", LevelDistrict, []string{"苏州市", "江苏省", "全国"}},
		{"张家港", "张家港市", LevelDistrict, []string{"苏州市", "江苏省", "全国"}},
		{"常熟", "常熟市", LevelDistrict, []string{"苏州市", "江苏省", "全国"}},
		{"太仓市", "太仓市", LevelDistrict, []string{"苏州市", "江苏省", "全国"}},
		{"昆山", "昆山市", LevelDistrict, []string{"苏州市", "江苏省", "全国"}},
		{"苏州", "苏州市", LevelCity, []string{"江苏省", "全国"}},
		{"南京市", "南京市", LevelCity, []string{"江苏省", "全国"}},
		{"连云港", "连云港市", LevelCity, []string{"江苏省", "全国"}},
		{"江苏", "江苏省", LevelProvince, []string{"全国"}},
		{"浙江省", "浙江省", LevelProvince, []string{"全国"}},
		{"上海", "上海市", LevelProvince, []string{"全国"}},
		{"全国", "全国", LevelNational, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, ok := g.Lookup(tc.name)
			if !ok || r.Name != tc.canonical || r.Level != tc.level {
				t.Fatalf("Lookup(%q) = %+v, %v; want %s (%s)", tc.name, r, ok, tc.canonical, tc.level)
			}
			if got := g.Ancestors(tc.name); !slices.Equal(got, tc.ancestors) {
				t.Errorf("Ancestors(%q) = %v, want %v", tc.name, got, tc.ancestors)
			}
		})
	}
	if _, ok := g.Lookup("杭州市"); ok {
		t.Error(`Lookup("杭州市") found a region; the table has Jiangsu's cities only`)
	}
	if n := len(g.All()); n < 34+13+10 {
		t.Errorf("the table has %d regions, want the provinces, Jiangsu's cities and Suzhou's districts", n)
	}
}

func TestAppliesIn(t *testing.T) {
	g := DefaultRegions()
	tests := []struct {
		doc, where string
		want       bool
	}{
		{"吴中区", "吴中区", true},
		{"苏州市", "吴中区", true},
		{"江苏省", "吴中", true},
		{"全国", "吴中区", true},
		{"全国", "浙江省", true},
		{"相城区", "吴中区", false},
		{"吴中区", "苏州市", false}, // a district's measure does not apply citywide
		{"浙江省", "吴中区", false},
		{"南京市", "吴中区", false},
		{"杭州市", "杭州市", true}, // unknown names apply in themselves only
		{"杭州市", "吴中区", false},
		{"苏州工业园区", "园区", true},
	}
	for _, tc := range tests {
		if got := g.AppliesIn(tc.doc, tc.where); got != tc.want {
			t.Errorf("AppliesIn(%q, %q) = %v, want %v", tc.doc, tc.where, got, tc.want)
		}
	}
}

func TestFindRegions(t *testing.T) {
	g := DefaultRegions()
	type m struct {
		text, region string
		amb, tier    bool
	}
	tests := []struct {
		text string
		want []m
	}{
		{"吴中区的小巨人奖励多少", []m{{"吴中区", "吴中区", false, false}}},
		{"吴中的小巨人奖励多少", []m{{"吴中", "吴中区", false, false}}},
		{"苏州工业园区有什么政策", []m{{"苏州工业园区", "苏州工业园区", false, false}}},
		{"园区的企业能申请吗", []m{{"园区", "苏州工业园区", true, false}}},
		{"对新认定的省级产业园区给予奖励", []m{{"园区", "苏州工业园区", true, false}}},
		{"苏州市吴中区人民政府", []m{{"苏州市", "苏州市", false, false}, {"吴中区", "吴中区", false, false}}},
		{"获评苏州市级示范智能车间", []m{{"苏州市", "苏州市", false, true}}},
		{"江苏省和相城区2023年的政策", []m{{"江苏省", "江苏省", false, false}, {"相城区", "相城区", false, false}}},
		{"苏州高新区和昆山", []m{{"苏州高新区", "虎丘区", false, false}, {"昆山", "昆山市", false, false}}},
		{"环太湖南岸的民宿", []m{{"湖南", "湖南省", true, false}}},
		{"国家级专精特新小巨人", nil},
		{"", nil},
		// English names match whole words of the folded question.
		{"what does suzhou industrial park offer for headquarters", []m{{"suzhou industrial park", "苏州工业园区", false, false}}},
		{"we are in kunshan's high-tech zone", []m{{"kunshan", "昆山市", false, false}}},
		{"subsidies in xiangcheng district", []m{{"xiangcheng district", "相城区", false, false}}},
		{"wuxing and gusuxyz are no places", nil},
	}
	for _, tc := range tests {
		got := g.Find(tc.text)
		var gm []m
		for _, x := range got {
			if tc.text[x.Start:x.End] != x.Text {
				t.Errorf("Find(%q): offsets %d:%d give %q, not %q", tc.text, x.Start, x.End, tc.text[x.Start:x.End], x.Text)
			}
			gm = append(gm, m{x.Text, x.Region, x.Ambiguous, x.Tier})
		}
		if !slices.Equal(gm, tc.want) {
			t.Errorf("Find(%q) = %v, want %v", tc.text, gm, tc.want)
		}
	}
}

func TestInferRegion(t *testing.T) {
	g := DefaultRegions()
	tests := []struct{ issuer, title, want string }{
		{"苏州市吴中区人民政府", "关于促进制造业高质量发展的若干政策措施", "吴中区"},
		{"苏州市吴中区人民政府办公室", "", "吴中区"},
		{"吴中区商务局", "", "吴中区"},
		{"苏州市人民政府", "关于促进吴中区发展的意见", "苏州市"},
		{"江苏省人民政府", "", "江苏省"},
		{"工业和信息化部", "", "全国"},
		{"国家发展改革委", "", "全国"},
		{"区工信局", "关于促进相城区制造业高质量发展的若干政策措施", "相城区"},
		{"区工信局", "关于促进产业园区高质量发展的若干措施", ""}, // 园区 is ambiguous
		{"区委组织部", "人才新政", ""},
		{"", "苏州市级示范智能车间评定办法", ""}, // a tier, not a region
	}
	for _, tc := range tests {
		if got := g.InferRegion(tc.issuer, tc.title); got != tc.want {
			t.Errorf("InferRegion(%q, %q) = %q, want %q", tc.issuer, tc.title, got, tc.want)
		}
	}
}

func TestLoadRegionsErrors(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"short line", "全国 国家\n", "want NAME LEVEL PARENT"},
		{"bad level", "全国 国家 -\n吴中区 镇 全国\n", "unknown level"},
		{"unknown parent", "吴中区 区 苏州市\n", "parent \"苏州市\" is not listed above"},
		{"duplicate", "全国 国家 -\n全国 国家 -\n", "listed twice"},
		{"alias clash", "全国 国家 -\n江苏省 省 全国 苏\n浙江省 省 全国 苏\n", "name \"苏\" is both"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadRegions("r.txt", strings.NewReader(tc.src))
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "r.txt:") {
				t.Errorf("LoadRegions(%q) error = %v, want one with r.txt:LINE and %q", tc.src, err, tc.want)
			}
		})
	}
}

func TestParseScope(t *testing.T) {
	const body = "---\n\n第一条 内容。\n"
	tests := []struct {
		name     string
		front    string
		region   string
		level    Level
		year     int
		status   Status
		inferred []string
		finding  string // a finding's message contains this; "" means none
		severity Severity
	}{
		{"declared", "region: 吴中区\nlevel: district\nyear: 2024\nstatus: in-force\n", "吴中区", LevelDistrict, 2024, StatusInForce, nil, "", 0},
		{"chinese values", "region: 吴中\nlevel: 区\nyear: 2024\nstatus: 已废止\n", "吴中区", LevelDistrict, 2024, StatusRepealed, nil, "", 0},
		{"level from the table", "region: 江苏省\n", "江苏省", LevelProvince, 2025, "", []string{"level", "year"}, "", 0},
		{"all inferred", "issuer: 苏州市吴中区人民政府\ndoc_no: 吴政规〔2023〕4号\n", "吴中区", LevelDistrict, 2023, "", []string{"region", "level", "year"}, "", 0},
		{"year from the title", "issuer: 苏州市人民政府\n", "苏州市", LevelCity, 2025, "", []string{"region", "level", "year"}, "", 0},
		{"unknown region", "region: 杭州市\nlevel: city\n", "杭州市", LevelCity, 2025, "", []string{"year"}, "not in the region table", Warning},
		{"unknown region without level", "region: 杭州市\n", "杭州市", "", 2025, "", []string{"year"}, "give the level", Warning},
		{"bad level", "region: 吴中区\nlevel: 镇\n", "吴中区", LevelDistrict, 2025, "", []string{"level", "year"}, "unknown level", Error},
		{"level contradicts", "region: 吴中区\nlevel: 省\n", "吴中区", LevelProvince, 2025, "", []string{"year"}, "does not match region", Error},
		{"bad year", "year: 25\n", "", "", 2025, "", []string{"year"}, "bad year", Error},
		{"bad status", "status: 暂停\n", "", "", 2025, "", []string{"year"}, "unknown status", Error},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := "---\nid: x\ntitle: 2025年测试措施\ncategory: other\neffective_from: 2022-01-01\n" + tc.front + body
			doc, fs := ParseFile("t.md", []byte(src))
			if doc.Region != tc.region || doc.Level != tc.level || doc.Year != tc.year || doc.Status != tc.status || !slices.Equal(doc.Inferred, tc.inferred) {
				t.Errorf("scope = %q %q %d %q inferred %v, want %q %q %d %q inferred %v",
					doc.Region, doc.Level, doc.Year, doc.Status, doc.Inferred, tc.region, tc.level, tc.year, tc.status, tc.inferred)
			}
			if tc.finding == "" {
				if len(fs) != 0 {
					t.Errorf("findings = %v, want none", fs)
				}
				return
			}
			found := false
			for _, f := range fs {
				if strings.Contains(f.Msg.String(), tc.finding) && f.Severity == tc.severity && f.Code == CodeField && f.Line > 0 {
					found = f.Msg.En != "" && strings.ContainsFunc(f.Msg.Zh, func(r rune) bool { return r >= 0x4e00 && r <= 0x9fff })
				}
			}
			if !found {
				t.Errorf("findings = %v, want a bilingual %s on its line containing %q", fs, tc.severity, tc.finding)
			}
		})
	}
}

func TestInferYear(t *testing.T) {
	d := func(s string) Date {
		x, err := ParseDate(s)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	tests := []struct {
		doc  Document
		want int
	}{
		{Document{DocNo: "吴政规〔2025〕1号", Title: "2024年措施"}, 2025},
		{Document{DocNo: "苏府[2023]12号"}, 2023},
		{Document{DocNo: "苏政发（2021）5号"}, 2021},
		{Document{Title: "吴中区政府常务会议（2025年2月24日）"}, 2025},
		{Document{Title: "2024—2026年行动计划"}, 2024},
		{Document{Title: "行动计划", EffectiveFrom: d("2022-03-01"), Published: d("2021-12-01")}, 2022},
		{Document{Title: "行动计划", Published: d("2021-12-01")}, 2021},
		{Document{Title: "第2000号公告"}, 0},
	}
	for _, tc := range tests {
		if got := inferYear(&tc.doc); got != tc.want {
			t.Errorf("inferYear(%q, %q) = %d, want %d", tc.doc.DocNo, tc.doc.Title, got, tc.want)
		}
	}
}

func TestStatusAt(t *testing.T) {
	day := func(s string) time.Time {
		d, err := ParseDate(s)
		if err != nil {
			t.Fatal(err)
		}
		return d.Time
	}
	from, _ := ParseDate("2025-03-01")
	to, _ := ParseDate("2027-12-31")
	tests := []struct {
		declared Status
		at       string
		want     Status
	}{
		{"", "2025-02-28", StatusNotYet},
		{"", "2025-03-01", StatusInForce},
		{"", "2027-12-31", StatusInForce},
		{"", "2028-01-01", StatusExpired},
		{StatusInForce, "2028-01-01", StatusExpired},
		{StatusRepealed, "2026-01-01", StatusRepealed},
		{StatusExpired, "2026-01-01", StatusExpired},
	}
	for _, tc := range tests {
		d := &Document{EffectiveFrom: from, EffectiveTo: to, Status: tc.declared}
		if got := d.StatusAt(day(tc.at)); got != tc.want {
			t.Errorf("StatusAt(%s) declared %q = %q, want %q", tc.at, tc.declared, got, tc.want)
		}
		if got := d.InForce(day(tc.at)); got != (tc.want == StatusInForce) {
			t.Errorf("InForce(%s) declared %q = %v", tc.at, tc.declared, got)
		}
	}
}
