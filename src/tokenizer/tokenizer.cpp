// Tokenizer: picks the pipeline for a model directory and applies the companion files the way
// transformers' AutoTokenizer does (special tokens, BOS/EOS rules, limits, chat templates).
#include "tokenizer/tokenizer.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <atomic>
#include <mutex>
#include <thread>

#include "tokenizer/pipeline.h"
#include "tokenizer/text_cleanup.h"
#include "tokenizer/unicode.h"
#include "util/error.h"
#include "template/jinja.h"

namespace lighteval::tokenizer {

namespace fs = std::filesystem;

struct Tokenizer::Config {
  std::optional<std::string> bos, eos, pad, unk;
  std::vector<int32_t> extra_eos_ids;  // generation_config.json / config.json
  std::optional<int64_t> model_max_length;
  bool clean_up_spaces = false;
  std::vector<std::pair<std::string, std::string>> chat_templates;  // (name, template)
};

namespace {

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw Error("cannot read " + p.string() + "; check that it exists and is readable");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Json read_json(const fs::path& p) {
  Json j = Json::parse(read_text(p), nullptr, false);
  if (j.is_discarded()) throw Error(p.string() + " is not valid JSON; re-download or fix the file");
  return j;
}

Json read_optional_json(const fs::path& p) {
  std::error_code ec;
  if (!fs::is_regular_file(p, ec)) return Json::object();
  Json j = read_json(p);
  if (!j.is_object()) throw Error(p.string() + " must hold a JSON object");
  return j;
}

// A special-token value: "content" or {"content": ..., ...} (AddedToken dicts).
std::optional<std::string> token_value(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_object() && v.contains("content") && v["content"].is_string()) return v["content"].get<std::string>();
  return std::nullopt;
}

AddedToken added_from(const Json& v, bool special) {
  AddedToken t;
  t.special = special;
  t.normalized = !special;
  if (v.is_string()) {
    t.content = v.get<std::string>();
  } else if (v.is_object()) {
    t.content = v.value("content", std::string());
    auto flag = [&](const char* k, bool d) { return v.contains(k) && v[k].is_boolean() ? v[k].get<bool>() : d; };
    t.special = flag("special", special);
    t.normalized = flag("normalized", !t.special);
    t.lstrip = flag("lstrip", false);
    t.rstrip = flag("rstrip", false);
    t.single_word = flag("single_word", false);
  }
  return t;
}

void collect_eos_ids(const Json& cfg, std::vector<int32_t>& out) {
  if (!cfg.contains("eos_token_id")) return;
  const Json& e = cfg["eos_token_id"];
  if (e.is_number_integer()) out.push_back(e.get<int32_t>());
  else if (e.is_array())
    for (const auto& x : e)
      if (x.is_number_integer()) out.push_back(x.get<int32_t>());
}

bool is_llama_like(const std::string& cls) {
  for (const char* c : {"LlamaTokenizer", "LlamaTokenizerFast", "GemmaTokenizer", "GemmaTokenizerFast",
                        "CodeLlamaTokenizer", "CodeLlamaTokenizerFast"})
    if (cls == c) return true;
  return false;
}

}  // namespace

Tokenizer::Tokenizer() : config_(std::make_unique<Config>()) {}
Tokenizer::~Tokenizer() = default;

std::unique_ptr<Tokenizer> Tokenizer::from_json_string(std::string_view tokenizer_json) {
  auto j = nlohmann::json::parse(tokenizer_json, nullptr, false);
  if (j.is_discarded()) throw Error("tokenizer.json is not valid JSON");
  std::unique_ptr<Tokenizer> t(new Tokenizer());
  t->pipeline_ = make_hf_pipeline(j);
  return t;
}

std::unique_ptr<Tokenizer> Tokenizer::from_directory(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw Error("tokenizer directory " + dir.string() + " does not exist or is not a directory");
  std::unique_ptr<Tokenizer> t(new Tokenizer());
  Json tcfg = read_optional_json(dir / "tokenizer_config.json");
  Json smap = read_optional_json(dir / "special_tokens_map.json");

  bool sentencepiece = false;
  if (fs::is_regular_file(dir / "tokenizer.json", ec)) {
    auto j = nlohmann::json::parse(read_text(dir / "tokenizer.json"), nullptr, false);
    if (j.is_discarded())
      throw Error((dir / "tokenizer.json").string() + " is not valid JSON; re-download or fix the file");
    t->pipeline_ = make_hf_pipeline(j);
  } else if (fs::is_regular_file(dir / "tokenizer.model", ec)) {
    t->pipeline_ = make_sentencepiece_pipeline(read_text(dir / "tokenizer.model"));
    sentencepiece = true;
  } else if (fs::is_regular_file(dir / "vocab.json", ec) && fs::is_regular_file(dir / "merges.txt", ec)) {
    bool prefix = tcfg.contains("add_prefix_space") && tcfg["add_prefix_space"].is_boolean() &&
                  tcfg["add_prefix_space"].get<bool>();
    t->pipeline_ = make_gpt2_pipeline(read_text(dir / "vocab.json"), read_text(dir / "merges.txt"), prefix);
  } else {
    throw Error("no tokenizer in " + dir.string() +
                ": expected tokenizer.json, tokenizer.model, or vocab.json + merges.txt");
  }

  // Special tokens: special_tokens_map.json overrides tokenizer_config.json, as in transformers.
  Config& c = *t->config_;
  std::vector<AddedToken> extra;
  for (const char* key : {"bos_token", "eos_token", "unk_token", "pad_token"}) {
    const Json* v = nullptr;
    if (smap.contains(key) && !smap[key].is_null()) v = &smap[key];
    else if (tcfg.contains(key) && !tcfg[key].is_null()) v = &tcfg[key];
    if (!v) continue;
    auto content = token_value(*v);
    if (!content) continue;
    std::string k = key;
    (k == "bos_token" ? c.bos : k == "eos_token" ? c.eos : k == "unk_token" ? c.unk : c.pad) = content;
    extra.push_back(added_from(*v, true));
  }
  if (tcfg.contains("added_tokens_decoder") && tcfg["added_tokens_decoder"].is_object()) {
    for (auto it = tcfg["added_tokens_decoder"].begin(); it != tcfg["added_tokens_decoder"].end(); ++it) {
      AddedToken a = added_from(it.value(), false);
      try {
        a.id = std::stoi(it.key());
      } catch (const std::exception&) {
        throw Error("tokenizer_config.json: added_tokens_decoder key '" + it.key() + "' is not an id");
      }
      extra.push_back(a);
    }
  }
  for (const Json* src : {&tcfg, &smap}) {
    if (src->contains("additional_special_tokens") && (*src)["additional_special_tokens"].is_array())
      for (const auto& v : (*src)["additional_special_tokens"]) extra.push_back(added_from(v, true));
  }
  // Only tokens the vocabulary or tokenizer.json already knows are registered; unknown special
  // tokens in a config (e.g. a pad token that is not in the vocabulary) would shift ids.
  std::vector<AddedToken> known;
  for (auto& a : extra)
    if (a.id >= 0 || t->pipeline_->token_to_id(a.content)) known.push_back(a);
  t->pipeline_->add_tokens(known);

  // BOS/EOS: transformers' Llama/Gemma classes rebuild the template from add_bos/add_eos_token.
  std::string cls = tcfg.value("tokenizer_class", std::string());
  bool has_flags = tcfg.contains("add_bos_token") || tcfg.contains("add_eos_token");
  if (sentencepiece || (is_llama_like(cls) && has_flags)) {
    bool add_bos = tcfg.contains("add_bos_token") && tcfg["add_bos_token"].is_boolean()
                       ? tcfg["add_bos_token"].get<bool>() : true;
    bool add_eos = tcfg.contains("add_eos_token") && tcfg["add_eos_token"].is_boolean()
                       ? tcfg["add_eos_token"].get<bool>() : false;
    std::optional<int32_t> bos, eos;
    if (add_bos && c.bos) bos = t->pipeline_->token_to_id(*c.bos);
    if (add_eos && c.eos) eos = t->pipeline_->token_to_id(*c.eos);
    t->pipeline_->set_bos_eos(bos, eos);
  }

  if (tcfg.contains("model_max_length") && tcfg["model_max_length"].is_number()) {
    double v = tcfg["model_max_length"].get<double>();
    if (v > 0 && v < 1e18) c.model_max_length = static_cast<int64_t>(v);
  }
  if (tcfg.contains("clean_up_tokenization_spaces") && tcfg["clean_up_tokenization_spaces"].is_boolean())
    c.clean_up_spaces = tcfg["clean_up_tokenization_spaces"].get<bool>();

  // Chat templates: tokenizer_config.json (string or [{name, template}]), then the newer
  // chat_template.jinja / chat_template.json files, which take precedence.
  auto add_templates = [&](const Json& v) {
    if (v.is_string()) {
      c.chat_templates.assign(1, {"default", v.get<std::string>()});
    } else if (v.is_array()) {
      c.chat_templates.clear();
      for (const auto& e : v)
        if (e.is_object() && e.contains("name") && e.contains("template") && e["name"].is_string() &&
            e["template"].is_string())
          c.chat_templates.emplace_back(e["name"].get<std::string>(), e["template"].get<std::string>());
    }
  };
  if (tcfg.contains("chat_template")) add_templates(tcfg["chat_template"]);
  Json ctj = read_optional_json(dir / "chat_template.json");
  if (ctj.contains("chat_template")) add_templates(ctj["chat_template"]);
  if (fs::is_regular_file(dir / "chat_template.jinja", ec))
    c.chat_templates.assign(1, {"default", read_text(dir / "chat_template.jinja")});

  collect_eos_ids(read_optional_json(dir / "generation_config.json"), c.extra_eos_ids);
  collect_eos_ids(read_optional_json(dir / "config.json"), c.extra_eos_ids);
  return t;
}

std::vector<int32_t> Tokenizer::encode(std::string_view text, bool add_special_tokens) const {
  std::vector<int32_t> out;
  if (unicode::is_valid_utf8(text)) {
    pipeline_->encode(text, add_special_tokens, out);
  } else {
    pipeline_->encode(unicode::sanitize_utf8(text), add_special_tokens, out);
  }
  return out;
}

std::vector<std::vector<int32_t>> Tokenizer::encode_batch(const std::vector<std::string>& texts,
                                                          bool add_special_tokens, int num_threads) const {
  std::vector<std::vector<int32_t>> out(texts.size());
  size_t n = num_threads > 0 ? static_cast<size_t>(num_threads) : std::max(1u, std::thread::hardware_concurrency());
  n = std::min(n, std::max<size_t>(1, texts.size() / 4));
  if (n <= 1) {
    for (size_t i = 0; i < texts.size(); ++i) out[i] = encode(texts[i], add_special_tokens);
    return out;
  }
  std::atomic<size_t> next{0};
  std::exception_ptr error;
  std::mutex error_mu;
  auto work = [&] {
    try {
      for (size_t i; (i = next.fetch_add(16)) < texts.size();)
        for (size_t k = i; k < std::min(i + 16, texts.size()); ++k) out[k] = encode(texts[k], add_special_tokens);
    } catch (...) {
      std::lock_guard lock(error_mu);
      if (!error) error = std::current_exception();
      next = texts.size();
    }
  };
  std::vector<std::thread> pool;
  for (size_t t = 0; t < n; ++t) pool.emplace_back(work);
  for (auto& th : pool) th.join();
  if (error) std::rethrow_exception(error);
  return out;
}

std::string Tokenizer::decode(std::span<const int32_t> ids, bool skip_special_tokens) const {
  std::string s = pipeline_->decode(ids, skip_special_tokens);
  if (config_->clean_up_spaces) s = clean_up_tokenization(s);
  return s;
}

std::optional<int32_t> Tokenizer::bos_token_id() const { return config_->bos ? token_to_id(*config_->bos) : std::nullopt; }
std::optional<int32_t> Tokenizer::eos_token_id() const { return config_->eos ? token_to_id(*config_->eos) : std::nullopt; }
std::optional<int32_t> Tokenizer::pad_token_id() const { return config_->pad ? token_to_id(*config_->pad) : std::nullopt; }
std::optional<int32_t> Tokenizer::unk_token_id() const { return config_->unk ? token_to_id(*config_->unk) : std::nullopt; }
std::optional<std::string> Tokenizer::bos_token() const { return config_->bos; }
std::optional<std::string> Tokenizer::eos_token() const { return config_->eos; }
std::optional<std::string> Tokenizer::pad_token() const { return config_->pad; }
std::optional<std::string> Tokenizer::unk_token() const { return config_->unk; }

std::vector<int32_t> Tokenizer::eos_token_ids() const {
  std::vector<int32_t> ids;
  if (auto e = eos_token_id()) ids.push_back(*e);
  for (int32_t id : config_->extra_eos_ids)
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
  return ids;
}

std::optional<int64_t> Tokenizer::model_max_length() const { return config_->model_max_length; }
bool Tokenizer::clean_up_tokenization_spaces() const { return config_->clean_up_spaces; }

std::optional<std::string> Tokenizer::chat_template(const std::string& name) const {
  const auto& all = config_->chat_templates;
  for (const auto& [n, tpl] : all)
    if (n == name) return tpl;
  if (name == "default" && all.size() == 1) return all[0].second;
  return std::nullopt;
}

std::string Tokenizer::apply_chat_template(const Json& messages, bool add_generation_prompt) const {
  auto tpl = chat_template();
  if (!tpl)
    throw Error("this tokenizer has no chat template (tokenizer_config.json 'chat_template' or "
                "chat_template.jinja); run without --use_chat_template");
  Json extra = Json::object();
  // Templates read the special tokens as strings (jinja's undefined when absent).
  if (config_->bos) extra["bos_token"] = *config_->bos;
  if (config_->eos) extra["eos_token"] = *config_->eos;
  if (config_->pad) extra["pad_token"] = *config_->pad;
  if (config_->unk) extra["unk_token"] = *config_->unk;
  return jinja::apply_chat_template(*tpl, messages, add_generation_prompt, extra);
}

size_t Tokenizer::vocab_size() const { return pipeline_->vocab_size(); }
std::optional<int32_t> Tokenizer::token_to_id(std::string_view token) const { return pipeline_->token_to_id(token); }
std::string Tokenizer::id_to_token(int32_t id) const { return pipeline_->id_to_token(id).value_or(std::string()); }
bool Tokenizer::is_special_id(int32_t id) const { return pipeline_->is_special(id); }

}  // namespace lighteval::tokenizer
