-- wrk script: POST /api/chat with questions in turn, each in a new
-- conversation, as companies arriving from the widget would. Mostly
-- answerable questions, some the corpus does not cover (refusals), one in
-- English and one in traditional characters.
--
--   wrk -t1 -c32 -d20s --latency -s web/loadtest/chat.lua http://127.0.0.1:8080/api/chat
--
-- (run.sh starts the server and does this.) Any status other than 200 is
-- an error: the summary counts them with wrk's socket errors.

local questions = {
  "首次被认定为国家级专精特新小巨人企业奖励多少？",
  "市级专精特新中小企业有奖励吗",
  "数字化转型买软件能补贴多少",
  "营收第一次过100亿奖励多少",
  "国家级智能制造示范工厂奖多少",
  "节能降碳技改项目怎么补助？",
  "拿到中国质量奖提名奖区里奖多少",
  "制造业奖励资金去哪里申报？",
  "中信保保费能补多少",
  "海外仓面积有什么要求？",
  "外资企业增资，到账1000万美元以上怎么奖励",
  "在吴中开中国内地首店奖励多少",
  "直播电商基地有什么支持政策",
  "5A景区奖励多少",
  "乙级民宿有奖励吗",
  "办音乐节卖了两万张票能拿多少奖励",
  "文化企业首次升规奖励多少",
  "How much is the reward for a national-level little giant enterprise?",
  "首次被認定為國家級專精特新小巨人企業獎勵多少？",
  "高新技术企业认定有什么奖励？",
  "研发费用加计扣除比例是多少",
  "吴中区人才公寓怎么申请",
  "新能源汽车购车补贴多少钱",
  "明天会下雨吗",
}

local bodies = {}
for i, q in ipairs(questions) do
  bodies[i] = '{"message":"' .. q .. '"}'
end

local n = 0
non200 = 0 -- per thread; read back in done()

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  n = math.random(#bodies) - 1
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  n = n % #bodies + 1
  return wrk.format(nil, nil, nil, bodies[n])
end

function response(status, headers, body)
  if status ~= 200 then
    non200 = non200 + 1
  end
end

function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do
    bad = bad + (t:get("non200") or 0)
  end
  local e = summary.errors
  io.write("------------------------------\n")
  io.write(string.format("answers/s %.1f   requests %d in %.1f s\n",
    summary.requests / (summary.duration / 1e6), summary.requests, summary.duration / 1e6))
  io.write(string.format("latency p50 %.1f ms   p90 %.1f ms   p99 %.1f ms   max %.1f ms\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
  io.write(string.format("errors: %d non-200, socket connect %d read %d write %d timeout %d\n",
    bad, e.connect, e.read, e.write, e.timeout))
end
