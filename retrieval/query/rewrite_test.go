package query

import (
	"fmt"
	"io"
	"policybot/policies/norm"
	"slices"
	"strings"
	"sync"
	"testing"
)

// hasTerms reports the wanted terms missing from w.Terms and from w.Expanded.
func missingTerms(tb testing.TB, w Rewritten, want []string) []string {
	tb.Helper()
	var missing []string
	for _, term := range want {
		if !slices.Contains(w.Terms, term) || !strings.Contains(w.Expanded, matchForm(norm.Fold(term))) {
			missing = append(missing, term)
		}
	}
	return missing
}

func TestRewriteSynonyms(t *testing.T) {
	tests := []struct {
		name string
		q    string
		want []string // canonical terms that must be recognised and in Expanded
		not  []string // terms that must not be recognised
	}{
		{"小巨人", "小巨人企业能拿多少钱", []string{"专精特新", "小巨人", "奖励", "补助"}, nil},
		{"中信保", "中信保的保费能补吗", []string{"出口信用保险", "保费", "补助"}, nil},
		{"信保", "信保补贴怎么申请", []string{"出口信用保险", "补助", "申报"}, nil},
		{"首台套", "首台套产品奖励", []string{"首台（套）重大装备", "奖励"}, nil},
		{"首台(套) half-width", "首台(套)重大装备", []string{"首台（套）重大装备"}, nil},
		{"规上", "规上企业有啥政策", []string{"规模以上", "政策措施"}, nil},
		{"限上", "限上企业", []string{"限额以上"}, nil},
		{"小升规", "今年小升规了", []string{"小升规", "规模以上", "首次纳入"}, nil},
		{"小升限", "餐饮企业小升限", []string{"小升限", "限额以上", "餐饮"}, nil},
		// 首次纳入 is the wording of 小升规 and 升规 too: entering 限上 must
		// not bring it along, or 规上's articles match as well.
		{"入限", "今年首次入限了", []string{"小升限", "限额以上"}, []string{"首次纳入"}},
		{"智改数转", "智改数转项目补助", []string{"智能化改造", "数字化转型", "补助"}, nil},
		{"taiwan 数位转型", "數位轉型補助", []string{"数字化转型", "补助"}, nil},
		{"5A", "创成5A景区", []string{"5A级旅游景区", "旅游景区"}, nil},
		{"4A in letters", "AAAA级景区奖多少", []string{"4A级旅游景区", "奖励"}, []string{"5A级旅游景区"}},
		{"高企", "我们是高企", []string{"高新技术企业"}, nil},
		{"外贸 ↔ 进出口", "做外贸的", []string{"进出口", "外贸"}, nil},
		{"进出口 → 外贸", "进出口企业", []string{"外贸"}, nil},
		{"补贴 → 补助 奖励", "有补贴吗", []string{"补助", "奖励"}, nil},
		{"奖励 ↔ 补助", "设备投资奖励多少", []string{"补助", "奖励", "设备投资"}, nil},
		{"资助", "能资助多少", []string{"补助", "奖励"}, nil},
		{"民宿 金宿", "民宿评上金宿", []string{"旅游民宿", "甲级旅游民宿"}, nil},
		{"星级酒店", "星级酒店评定", []string{"旅游饭店"}, nil},
		{"五星酒店", "评上五星酒店", []string{"五星级旅游饭店"}, []string{"四星级旅游饭店"}},
		{"跨境电商 platforms", "亚马逊卖家", []string{"跨境电商"}, nil},
		{"直播带货", "直播带货有奖励吗", []string{"电商直播", "直播电商"}, nil},
		{"老字号", "百年老店", []string{"老字号"}, nil},
		{"非遗", "非遗工坊", []string{"非物质文化遗产"}, nil},
		{"苏绣 is 非遗", "做苏绣的工作室", []string{"非物质文化遗产"}, nil},
		{"夜经济", "夜经济集聚区", []string{"夜间文化和旅游消费集聚区"}, nil},
		{"海外仓", "国外仓库租赁", []string{"海外仓", "租赁"}, nil},
		{"展会展位", "出国参展摊位费", []string{"境外展会", "展位费"}, nil},
		{"总部", "地区总部认定", []string{"总部企业", "总部"}, nil},
		{"首店", "华东首店", []string{"华东地区首店", "首店"}, nil},
		{"外资", "外商投资企业到资", []string{"外资", "实际到账外资"}, nil},
		{"技改", "技改项目", []string{"技术改造"}, nil},
		{"绿色工厂", "绿色工厂认定", []string{"绿色工厂", "绿色制造"}, nil},
		{"碳达峰", "双碳方案有多少任务", []string{"碳达峰"}, nil},
		{"工信局", "经信局管不管", []string{"工信局", "工业和信息化局"}, nil},
		{"文旅局", "文旅局负责吗", []string{"文体旅局", "文化体育和旅游局"}, nil},
		{"商务局", "商务部门电话", []string{"商务局"}, nil},
		{"能补多少", "买设备能补多少", []string{"设备投资", "奖励", "补助"}, nil},
		{"有效期", "政策还管用吗", []string{"有效期"}, nil},
		{"找谁", "这事找谁", []string{"责任单位"}, nil},
		{"叠加", "两个奖励能叠加吗", []string{"就高不重复"}, nil},
		{"失信", "上了黑名单还能申请吗", []string{"严重失信", "适用对象"}, nil},
		{"traditional question", "國家級專精特新小巨人企業獎勵多少", []string{"国家级", "专精特新", "小巨人", "奖励"}, nil},
		{"blocker 提高企业", "如何提高企业效益", nil, []string{"高新技术企业"}},
		{"blocker 法规上", "法规上怎么说", nil, []string{"规模以上"}},
		{"blocker 期限上", "期限上有要求吗", nil, []string{"限额以上"}},
	}
	r := Default()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := r.Rewrite(tc.q)
			if m := missingTerms(t, w, tc.want); len(m) > 0 {
				t.Errorf("Rewrite(%q) misses %q: Terms = %q, Expanded = %q", tc.q, m, w.Terms, w.Expanded)
			}
			for _, term := range tc.not {
				if slices.Contains(w.Terms, term) {
					t.Errorf("Rewrite(%q).Terms = %q, want no %q", tc.q, w.Terms, term)
				}
			}
			if w.English {
				t.Errorf("Rewrite(%q).English = true, want false", tc.q)
			}
		})
	}
}

func TestRewriteEnglish(t *testing.T) {
	tests := []struct {
		q    string
		want []string
	}{
		{"How much is the subsidy for export credit insurance premiums?", []string{"出口信用保险", "补助", "保费"}},
		{"What reward does a national-level Little Giant enterprise get?", []string{"国家级", "专精特新", "小巨人", "奖励"}},
		{"Specialized and sophisticated SMEs at provincial level", []string{"专精特新", "省级"}},
		{"Is there support for an overseas warehouse?", []string{"海外仓"}},
		{"Can we get money back for booth fees at trade shows abroad?", []string{"境外展会", "展位费"}},
		{"Any grant for cross-border e-commerce companies?", []string{"跨境电商", "补助"}},
		{"We are a foreign-invested company (FDI). Incentives?", []string{"外资", "奖励"}},
		{"Regional headquarters recognition", []string{"总部"}},
		{"We opened a flagship store in Suzhou", []string{"首店"}},
		{"Our scenic area became 5A", []string{"5A级旅游景区", "旅游景区"}},
		{"Reward for a five-star hotel", []string{"五星级旅游饭店", "旅游饭店"}},
		{"We run a B&B homestay", []string{"旅游民宿", "民宿"}},
		{"Ticket sales of our concert", []string{"演唱会", "售票"}},
		{"Hosting a national sports event", []string{"体育赛事", "国家级", "主办方"}},
		{"travel agencies bringing overnight tourists", []string{"旅行社", "过夜游客"}},
		{"intangible cultural heritage workshop", []string{"非物质文化遗产"}},
		{"time-honored brands", []string{"老字号"}},
		{"equipment investment subsidy for a manufacturing project", []string{"设备投资", "制造业", "补助"}},
		{"smart manufacturing and digital transformation", []string{"智能制造", "数字化转型", "智能化改造"}},
		{"green factory award", []string{"绿色工厂"}},
		{"governor's quality award", []string{"省长质量奖", "质量奖"}},
		{"enterprise technology center at national level", []string{"企业技术中心", "国家级"}},
		{"companies above designated size", []string{"规模以上"}},
		{"When is the deadline? When does it expire?", []string{"有效期"}},
		{"How do I apply and who do I contact?", []string{"申报", "责任单位"}},
		{"Which department is in charge?", []string{"责任单位", "部门"}},
		{"night economy cluster", []string{"夜间文化和旅游消费集聚区"}},
		{"first set of major equipment", []string{"首台（套）重大装备"}},
		{"MUNICIPAL Level", []string{"市级"}},
	}
	r := Default()
	for _, tc := range tests {
		t.Run(tc.q, func(t *testing.T) {
			w := r.Rewrite(tc.q)
			if m := missingTerms(t, w, tc.want); len(m) > 0 {
				t.Errorf("Rewrite(%q) misses %q: Terms = %q, Expanded = %q", tc.q, m, w.Terms, w.Expanded)
			}
			if !w.English {
				t.Errorf("Rewrite(%q).English = false, want true", tc.q)
			}
			if !strings.HasPrefix(w.Expanded, w.Normalized) {
				t.Errorf("Rewrite(%q).Expanded = %q, want it to start with Normalized %q", tc.q, w.Expanded, w.Normalized)
			}
		})
	}
}

func TestRewriteWordBoundaries(t *testing.T) {
	r := Default()
	for _, tc := range []struct{ q, not string }{
		{"the inning was long", "旅游饭店"}, // "inn" must not match inside "inning"
		{"a capable team", "最高"},        // "cap" must not match inside "capable"
		{"warehousemen", "海外仓"},         // "warehouse" + "men" is not an inflection
		{"our restart plan", "历史文化"},    // nothing may match in the middle of a word
		{"5a级别 25a", "4A级旅游景区"},         // digits count as word characters too
		{"255a", "5A级旅游景区"},
	} {
		if w := r.Rewrite(tc.q); slices.Contains(w.Terms, tc.not) {
			t.Errorf("Rewrite(%q).Terms = %q, want no %q", tc.q, w.Terms, tc.not)
		}
	}
	for _, q := range []string{"hotels", "Hotels!", "HOTEL", "hotel's", "the hotel."} {
		if w := r.Rewrite(q); !slices.Contains(w.Terms, "旅游饭店") {
			t.Errorf("Rewrite(%q).Terms = %q, want 旅游饭店", q, w.Terms)
		}
	}
	for _, q := range []string{"we hosted a marathon", "organizers of the concerts", "Cross-Border E-Commerce", "cross border ecommerce"} {
		if w := r.Rewrite(q); len(w.Terms) == 0 {
			t.Errorf("Rewrite(%q).Terms is empty, want inflected or hyphenated phrases recognised", q)
		}
	}
}

func TestRewriteNormalized(t *testing.T) {
	r := Default()
	w := r.Rewrite("  請問　５Ａ景區\t獎勵ＨＯＷ   much？ ")
	if want := "请问 5a景区 奖励how much?"; w.Normalized != want {
		t.Errorf("Normalized = %q, want %q", w.Normalized, want)
	}
	if w.Original != "  請問　５Ａ景區\t獎勵ＨＯＷ   much？ " {
		t.Errorf("Original = %q, want the question unchanged", w.Original)
	}
	if w := r.Rewrite(""); w.Normalized != "" || w.Expanded != "" || len(w.Terms) != 0 || w.English {
		t.Errorf("Rewrite(\"\") = %+v, want zero fields", w)
	}
}

func TestIsEnglish(t *testing.T) {
	tests := []struct {
		s    string
		want bool
	}{
		{"how much is the subsidy?", true},
		{"what is the 小巨人 reward?", true},
		{"tiktok shop 直播带货有补贴吗", false},
		{"5a景区奖励多少", false},
		{"b&b", false},
		{"专精特新小巨人企业奖励多少", false},
		{"", false},
	}
	for _, tc := range tests {
		if got := isEnglish(tc.s); got != tc.want {
			t.Errorf("isEnglish(%q) = %v, want %v", tc.s, got, tc.want)
		}
	}
}

func TestLoadExtends(t *testing.T) {
	syn := strings.NewReader("# a district's own wording\n政务服务网 惠企通 | 惠企通 | 惠企通平台 | 惠企通app\n小巨人 | 巨无霸企业\n")
	glo := strings.NewReader("惠企通 | benefit portal\n")
	r, err := Load([]io.Reader{syn}, []io.Reader{glo})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	for _, tc := range []struct {
		q    string
		want []string
	}{
		{"惠企通平台怎么用", []string{"惠企通", "政务服务网"}},
		{"巨无霸企业奖励", []string{"小巨人", "奖励"}},
		{"where is the benefit portal", []string{"惠企通", "政务服务网"}},
		{"中信保保费", []string{"出口信用保险"}}, // embedded lines still apply
	} {
		if m := missingTerms(t, r.Rewrite(tc.q), tc.want); len(m) > 0 {
			t.Errorf("extended Rewrite(%q) misses %q", tc.q, m)
		}
	}
	if w := Default().Rewrite("惠企通平台"); slices.Contains(w.Terms, "惠企通") {
		t.Errorf("Default() sees the extra table: Terms = %q", w.Terms)
	}
}

func TestRewriteDeterministicAndConcurrent(t *testing.T) {
	r := Default()
	qs := []string{
		"國家級專精特新小巨人企業獎勵多少",
		"How much is the subsidy for export credit insurance premiums?",
		"智改数转项目的补助比例和上限",
		"民宿评上金宿能拿多少钱，一个亿的营收呢",
	}
	want := make([]Rewritten, len(qs))
	for i, q := range qs {
		want[i] = r.Rewrite(q)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				q := qs[(g+i)%len(qs)]
				if got := r.Rewrite(q); fmt.Sprint(got) != fmt.Sprint(want[(g+i)%len(qs)]) {
					errs <- q
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for q := range errs {
		t.Errorf("Rewrite(%q) differs between calls", q)
	}
}

func BenchmarkRewrite(b *testing.B) {
	r := Default()
	qs := []string{
		"首次被认定为国家级专精特新小巨人企业，区里奖励多少？",
		"參加境外展會的展位費能補多少？",
		"How much is the subsidy for export credit insurance premiums?",
		"我们厂今年买设备花了两千万，能补多少",
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		r.Rewrite(qs[i%len(qs)])
	}
}

func BenchmarkLoad(b *testing.B) {
	for b.Loop() {
		if _, err := Load(nil, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func TestRewriteSpans(t *testing.T) {
	rw := Default().Rewrite("中信保保费能补多少")
	var found bool
	for _, sp := range rw.Spans {
		text := string([]rune(rw.Normalized)[sp.Start:sp.End])
		if text == "中信保" {
			found = slices.Contains(sp.Terms, "出口信用保险")
		}
	}
	if !found {
		t.Fatalf("Rewrite(%q).Spans = %+v, want 中信保 → 出口信用保险", rw.Original, rw.Spans)
	}
}

func TestEnglish(t *testing.T) {
	r := Default()
	for _, tc := range []struct{ in, want string }{
		{"商务局", "commerce bureau"},
		{"工信局", "industry and information technology bureau"},
		{"不存在的词", ""},
	} {
		if got := r.English(tc.in); got != tc.want {
			t.Errorf("English(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestPinyin(t *testing.T) {
	r := Default()
	for _, tc := range []struct{ q, term string }{
		{"zhibo基地有jiangli吗", "奖励"},
		{"haiwaicang怎么补", "海外仓"},
		{"shoudian奖励", "首店"},
	} {
		w := r.Rewrite(tc.q)
		if !slices.Contains(w.Terms, tc.term) {
			t.Errorf("Rewrite(%q).Terms = %v, want %q", tc.q, w.Terms, tc.term)
		}
	}
	// English words are not read as pinyin.
	if w := r.Rewrite("What is the subsidy for booths?"); slices.Contains(w.Terms, "首店") {
		t.Errorf("English question read as pinyin: %v", w.Terms)
	}
}
