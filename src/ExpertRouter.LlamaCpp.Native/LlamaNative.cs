using System.Runtime.InteropServices;

namespace ExpertRouter.LlamaCpp.Native;

/// <summary>
/// Raw entry points of llama.cpp 0.5.0 (<c>llama.h</c>) and the few ggml functions we need.
/// Library names are logical ("llama", "ggml", "ggml-base"): <see cref="LlamaLibrary"/> maps them
/// to absolute paths before the first call. Callers validate every argument before it gets here.
/// </summary>
internal static unsafe partial class LlamaNative
{
    public const string LlamaLib = "llama";
    public const string GgmlLib = "ggml";
    public const string GgmlBaseLib = "ggml-base";

    // ---- ggml backend registry (libggml / libggml-base) ----
    [LibraryImport(GgmlLib, StringMarshalling = StringMarshalling.Utf8)]
    public static partial void ggml_backend_load_all_from_path(string dir_path);

    [LibraryImport(GgmlLib, StringMarshalling = StringMarshalling.Utf8)]
    public static partial IntPtr ggml_backend_load(string path);

    [LibraryImport(GgmlLib)]
    public static partial nuint ggml_backend_reg_count();

    [LibraryImport(GgmlLib)]
    public static partial IntPtr ggml_backend_reg_get(nuint index);

    [LibraryImport(GgmlLib)]
    public static partial nuint ggml_backend_dev_count();

    [LibraryImport(GgmlLib)]
    public static partial IntPtr ggml_backend_dev_get(nuint index);

    [LibraryImport(GgmlBaseLib)]
    public static partial byte* ggml_backend_reg_name(IntPtr reg);

    [LibraryImport(GgmlBaseLib)]
    public static partial byte* ggml_backend_dev_name(IntPtr device);

    [LibraryImport(GgmlBaseLib)]
    public static partial byte* ggml_backend_dev_description(IntPtr device);

    [LibraryImport(GgmlBaseLib)]
    public static partial void ggml_backend_dev_memory(IntPtr device, out nuint free, out nuint total);

    [LibraryImport(GgmlBaseLib)]
    public static partial GgmlBackendDevType ggml_backend_dev_type(IntPtr device);

    [LibraryImport(GgmlLib, StringMarshalling = StringMarshalling.Utf8)]
    public static partial IntPtr ggml_backend_reg_by_name(string name);

    [LibraryImport(GgmlBaseLib, StringMarshalling = StringMarshalling.Utf8)]
    public static partial IntPtr ggml_backend_reg_get_proc_address(IntPtr reg, string name);

    [LibraryImport(GgmlBaseLib)]
    public static partial GgmlThreadpoolParams ggml_threadpool_params_default(int n_threads);

    [LibraryImport(GgmlBaseLib)]
    public static partial void ggml_log_set(delegate* unmanaged[Cdecl]<GgmlLogLevel, byte*, IntPtr, void> log_callback, IntPtr user_data);

    // ---- llama: process ----
    [LibraryImport(LlamaLib)]
    public static partial byte* llama_version();

    [LibraryImport(LlamaLib)]
    public static partial void llama_backend_init();

    [LibraryImport(LlamaLib)]
    public static partial void llama_backend_free();

    [LibraryImport(LlamaLib)]
    public static partial void llama_log_set(delegate* unmanaged[Cdecl]<GgmlLogLevel, byte*, IntPtr, void> log_callback, IntPtr user_data);

    [LibraryImport(LlamaLib)]
    public static partial byte* llama_print_system_info();

    [LibraryImport(LlamaLib)]
    public static partial byte llama_supports_gpu_offload();

    [LibraryImport(LlamaLib)]
    public static partial byte llama_supports_mmap();

    [LibraryImport(LlamaLib)]
    public static partial nuint llama_max_parallel_sequences();

    [LibraryImport(LlamaLib)]
    public static partial long llama_time_us();

    [LibraryImport(LlamaLib)]
    public static partial LlamaModelParams llama_model_default_params();

    [LibraryImport(LlamaLib)]
    public static partial LlamaContextParams llama_context_default_params();

    [LibraryImport(LlamaLib)]
    public static partial LlamaSamplerChainParams llama_sampler_chain_default_params();

    // ---- model ----
    [LibraryImport(LlamaLib, StringMarshalling = StringMarshalling.Utf8)]
    public static partial IntPtr llama_model_load_from_file(string path_model, LlamaModelParams @params);

    [LibraryImport(LlamaLib)]
    public static partial void llama_model_free(IntPtr model);

    [LibraryImport(LlamaLib)]
    public static partial IntPtr llama_model_get_vocab(IntPtr model);

    [LibraryImport(LlamaLib)]
    public static partial int llama_model_n_ctx_train(IntPtr model);

    [LibraryImport(LlamaLib)]
    public static partial int llama_model_n_embd(IntPtr model);

    [LibraryImport(LlamaLib)]
    public static partial int llama_model_n_layer(IntPtr model);

    [LibraryImport(LlamaLib)]
    public static partial int llama_model_n_head(IntPtr model);

    [LibraryImport(LlamaLib)]
    public static partial ulong llama_model_size(IntPtr model);

    [LibraryImport(LlamaLib)]
    public static partial ulong llama_model_n_params(IntPtr model);

    [LibraryImport(LlamaLib)]
    public static partial int llama_model_desc(IntPtr model, byte* buf, nuint buf_size);

    [LibraryImport(LlamaLib)]
    public static partial byte* llama_model_chat_template(IntPtr model, byte* name);

    [LibraryImport(LlamaLib)]
    public static partial byte llama_model_has_encoder(IntPtr model);

    // ---- context ----
    [LibraryImport(LlamaLib)]
    public static partial IntPtr llama_init_from_model(IntPtr model, LlamaContextParams @params);

    [LibraryImport(LlamaLib)]
    public static partial void llama_free(IntPtr ctx);

    [LibraryImport(LlamaLib)]
    public static partial uint llama_n_ctx(IntPtr ctx);

    [LibraryImport(LlamaLib)]
    public static partial uint llama_n_ctx_seq(IntPtr ctx);

    [LibraryImport(LlamaLib)]
    public static partial uint llama_n_batch(IntPtr ctx);

    [LibraryImport(LlamaLib)]
    public static partial uint llama_n_ubatch(IntPtr ctx);

    [LibraryImport(LlamaLib)]
    public static partial uint llama_n_seq_max(IntPtr ctx);

    [LibraryImport(LlamaLib)]
    public static partial IntPtr llama_get_memory(IntPtr ctx);

    [LibraryImport(LlamaLib)]
    public static partial void llama_memory_clear(IntPtr mem, byte data);

    [LibraryImport(LlamaLib)]
    public static partial byte llama_memory_seq_rm(IntPtr mem, int seq_id, int p0, int p1);

    [LibraryImport(LlamaLib)]
    public static partial int llama_memory_seq_pos_max(IntPtr mem, int seq_id);

    [LibraryImport(LlamaLib)]
    public static partial void llama_attach_threadpool(IntPtr ctx, IntPtr threadpool, IntPtr threadpool_batch);

    [LibraryImport(LlamaLib)]
    public static partial void llama_detach_threadpool(IntPtr ctx);

    [LibraryImport(LlamaLib)]
    public static partial void llama_set_n_threads(IntPtr ctx, int n_threads, int n_threads_batch);

    [LibraryImport(LlamaLib)]
    public static partial int llama_decode(IntPtr ctx, LlamaBatch batch);

    [LibraryImport(LlamaLib)]
    public static partial LlamaBatch llama_batch_init(int n_tokens, int embd, int n_seq_max);

    [LibraryImport(LlamaLib)]
    public static partial void llama_batch_free(LlamaBatch batch);

    [LibraryImport(LlamaLib)]
    public static partial void llama_synchronize(IntPtr ctx);

    [LibraryImport(LlamaLib)]
    public static partial float* llama_get_logits_ith(IntPtr ctx, int i);

    [LibraryImport(LlamaLib)]
    public static partial float* llama_get_embeddings_seq(IntPtr ctx, int seq_id);

    [LibraryImport(LlamaLib)]
    public static partial float* llama_get_embeddings_ith(IntPtr ctx, int i);

    [LibraryImport(LlamaLib)]
    public static partial LlamaPoolingType llama_pooling_type(IntPtr ctx);

    [LibraryImport(LlamaLib)]
    public static partial LlamaPerfContextData llama_perf_context(IntPtr ctx);

    [LibraryImport(LlamaLib)]
    public static partial void llama_perf_context_reset(IntPtr ctx);

    // ---- vocab ----
    [LibraryImport(LlamaLib)]
    public static partial int llama_vocab_n_tokens(IntPtr vocab);

    [LibraryImport(LlamaLib)]
    public static partial LlamaVocabType llama_vocab_type(IntPtr vocab);

    [LibraryImport(LlamaLib)]
    public static partial byte llama_vocab_is_eog(IntPtr vocab, int token);

    [LibraryImport(LlamaLib)]
    public static partial int llama_vocab_bos(IntPtr vocab);

    [LibraryImport(LlamaLib)]
    public static partial int llama_vocab_eos(IntPtr vocab);

    [LibraryImport(LlamaLib)]
    public static partial byte llama_vocab_get_add_bos(IntPtr vocab);

    [LibraryImport(LlamaLib)]
    public static partial int llama_tokenize(IntPtr vocab, byte* text, int text_len, int* tokens, int n_tokens_max, byte add_special, byte parse_special);

    [LibraryImport(LlamaLib)]
    public static partial int llama_token_to_piece(IntPtr vocab, int token, byte* buf, int length, int lstrip, byte special);

    [LibraryImport(LlamaLib)]
    public static partial int llama_chat_apply_template(byte* tmpl, LlamaChatMessage* chat, nuint n_msg, byte add_ass, byte* buf, int length);
}
