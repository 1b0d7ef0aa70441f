package amount

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// brief writes an amount for comparison in tests: kind, canonical text,
// and ~ for approximate, ? for vague.
func brief(a Amount) string {
	s := a.Kind.String() + ":" + a.String()
	if a.Approx {
		s += "~"
	}
	if a.Vague {
		s += "?"
	}
	return s
}

func briefs(as []Amount) string {
	var out []string
	for _, a := range as {
		out = append(out, brief(a))
	}
	return strings.Join(out, " ")
}

func TestScan(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		// Money as policy texts write it.
		{"奖励50万元", "money:50万元"},
		{"单个项目最高1000万元", "money:1000万元"},
		{"首次突破1亿美元的", "money:1亿美元"},
		{"每增加100万美元奖励1万元", "money:100万美元 money:1万元"},
		{"每张10元", "money:10元"},
		// Money as companies type it.
		{"设备花了2700来万", "bare:2700万~"},
		{"投了2700来万元", "money:2700万元~"},
		{"七百来万美元", "money:700万美元~"},
		{"一个亿的营收", "bare:1亿"},
		// Multiples and shares written as words.
		{"奖励翻倍", "quantity:2倍"},
		{"双倍奖励", "quantity:2倍"},
		{"营收翻两番", "quantity:4倍"},
		{"补贴减半", "percent:50%"},
		{"奖励一半", "percent:50%"},
		{"一半以上", "percent:50%"},
		{"两个亿", "bare:2亿"},
		{"一个多亿", "bare:1亿~"},
		{"1.2个亿", "bare:1.2亿"},
		{"半个亿", "bare:5000万"},
		{"三千万出头", "bare:3000万~"},
		{"一万二千多张票", "quantity:1.2万张~"},
		{"十来万", "bare:10万~"},
		{"几十万元", "money:10万元?"},
		{"十几万", "bare:10万?"},
		{"上亿元", "money:1亿元?"},
		{"营收破百亿", "bare:100亿"},
		{"过亿的奖", "bare:1亿"},
		{"800w", "bare:800万"},
		{"500k rmb", "money:50万元"},
		{"$5m", "money:500万美元"},
		{"us$1.5m", "money:150万美元"},
		{"RMB 1.3 million", "money:130万元"},
		{"$100 million in exports", "money:1亿美元"},
		{"5 million yuan", "money:500万元"},
		{"fifty million yuan", "money:5000万元"},
		{"half a million yuan", "money:50万元"},
		{"a million dollars", "money:100万美元"},
		{"twenty-five thousand tickets", "quantity:2.5万张"},
		{"10,000 tickets", "quantity:1万张"},
		{"1,300,000 yuan", "money:130万元"},
		{"2,000 square meters", "quantity:2000平方米"},
		{"约500万元", "money:500万元~"},
		{"大概九千万左右", "bare:9000万~"},
		{"买设备花了两千万", "bare:2000万"},
		{"投入两千五百万元", "money:2500万元"},
		{"一千零五十万", "bare:1050万"},
		{"一亿五千万美元", "money:1.5亿美元"},
		{"两亿五", "bare:2.5亿"},
		{"一万五", "bare:1.5万"},
		{"十亿", "bare:10亿"},
		{"十万块钱", "money:10万元"},
		{"5千万", "bare:5000万"},
		{"500万美金", "money:500万美元"},
		{"½亿元", "money:5000万元"},
		{"⑤⓪⓪万元", "money:500万元"},
		{"𝟓𝟎𝟎万元", "money:500万元"},
		{"٥٠٠万元", "money:500万元"},
		{"５０万元", "money:50万元"},
		{"伍拾万元", "money:50万元"},
		// Rates.
		{"按投入额的12%", "percent:12%"},
		{"百分之七十", "percent:70%"},
		{"百分之十二点五", "percent:12.5%"},
		{"按七成报", "percent:70%"},
		{"打八折", "percent:80%"},
		{"70 percent", "percent:70%"},
		{"12.5%", "percent:12.5%"},
		// Quantities.
		{"单仓面积达到2000平方米以上", "quantity:2000平方米"},
		{"3500平的旗舰店", "quantity:3500平方米"},
		{"一个1600平，一个1100平", "quantity:1600平方米 quantity:1100平方米"},
		{"单场售票达到1万张以上", "quantity:1万张"},
		{"1万人次", "quantity:1万人次"},
		{"三个月内", "quantity:3个月"},
		{"3个月", "quantity:3个月"},
		{"有20个专利", "quantity:20个"},
		{"员工个人", ""},
		{"两家民宿", ""},
		{"一次性奖励", ""},
		{"十二条措施", "bare:12"},
		// Dates.
		{"2027年12月31日", "date:2027年12月31日"},
		{"自2025年3月1日起施行", "date:2025年3月1日"},
		{"二〇二五年三月一日", "date:2025年3月1日"},
		{"2028年再上一条", "date:2028年"},
		{"6月底办的", "date:6月"},
		{"2025-03-01", "date:2025年3月1日"},
		{"3月1日", "date:3月1日"},
		{"2023年度", "date:2023年"},
		// Ordinals.
		{"第十五条", "ordinal:第15条"},
		{"第6条", "ordinal:第6条"},
		{"第（一）项", ""},
		// Not figures.
		{"千万不要", ""},
		{"区长万利主持", ""},
		{"万一", ""},
		{"五星级", ""},
		{"上一条", ""},
		{"同一企业", ""},
		{"5A级景区", "bare:5"},
		{"running 2000m", "bare:2000"},
		{"a company", ""},
		{"成立", ""},
		{"", ""},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := briefs(Scan(tc.in)); got != tc.want {
				t.Errorf("Scan(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestScanOffsets(t *testing.T) {
	s := "設備花了２７００來萬，補助１２％"
	got := Scan(s)
	if len(got) != 2 {
		t.Fatalf("Scan(%q) = %v, want 2 figures", s, got)
	}
	if got[0].Text != "２７００來萬" || got[1].Text != "１２％" {
		t.Errorf("Scan(%q) texts = %q, %q; want the figures as written", s, got[0].Text, got[1].Text)
	}
	for _, a := range got {
		if s[a.Start:a.End] != a.Text {
			t.Errorf("s[%d:%d] = %q, want Text %q", a.Start, a.End, s[a.Start:a.End], a.Text)
		}
	}
}

func TestNumber(t *testing.T) {
	tests := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"15", 15, true},
		{"十五", 15, true},
		{"一百零三", 103, true},
		{"二〇二五", 2025, true},
		{"十二点五", 12.5, true},
		{"2千万", 2e7, true},
		{"1.2亿", 1.2e8, true},
		{"两个亿", 2e8, true},
		{"一百五", 150, true},
		{"3千5百万", 3.5e7, true},
		{"万", 0, false},
		{"", 0, false},
		{"几十", 0, false},
		{"12a", 0, false},
	}
	for _, tc := range tests {
		got, ok := Number(tc.in)
		if ok != tc.ok || ok && got != tc.want {
			t.Errorf("Number(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		v    float64
		u    string
		want string
		en   string
	}{
		{500000, "元", "50万元", "500,000 yuan (50万元)"},
		{1e8, "美元", "1亿美元", "100,000,000 US dollars (1亿美元)"},
		{12, "%", "12%", "12%"},
		{2000, "平方米", "2000平方米", "2,000 square metres"},
		{15000, "张", "1.5万张", "15,000 tickets (1.5万张)"},
		{960000, "元", "96万元", "960,000 yuan (96万元)"},
		{10, "元", "10元", "10 yuan"},
	}
	for _, tc := range tests {
		if got := Format(tc.v, tc.u); got != tc.want {
			t.Errorf("Format(%v, %q) = %q, want %q", tc.v, tc.u, got, tc.want)
		}
		if got := FormatEnglish(tc.v, tc.u); got != tc.en {
			t.Errorf("FormatEnglish(%v, %q) = %q, want %q", tc.v, tc.u, got, tc.en)
		}
	}
}

func FuzzScan(f *testing.F) {
	for _, s := range []string{"2700来万", "一个多亿", "$5m", "half a million yuan", "2027年12月31日", "第十五条",
		"百分之十二点五", "⑩⑤万", "1,2,3", "..5", "点点", "半个", "几几几", "fifty-", "上上亿", "\xff\xfe万元"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		prev := 0
		for _, a := range Scan(s) {
			if a.Start < prev || a.End < a.Start || a.End > len(s) {
				t.Fatalf("Scan(%q): bad span %d..%d after %d", s, a.Start, a.End, prev)
			}
			if utf8.ValidString(s) && s[a.Start:a.End] != a.Text {
				t.Fatalf("Scan(%q): Text %q is not s[%d:%d]", s, a.Text, a.Start, a.End)
			}
			prev = a.End
		}
	})
}

func FuzzParseNumeral(f *testing.F) {
	for _, s := range []string{"十五", "二十一", "一百零三", "15", "零", "十十", "千百"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseNumeral(s)
		if err == nil && n < 0 {
			t.Fatalf("ParseNumeral(%q) = %d", s, n)
		}
	})
}
