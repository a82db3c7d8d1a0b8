using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace ExpertRouter.LlamaCpp.Native;

/// <summary>Owns a <c>llama_model*</c>; freed with <c>llama_model_free</c>. Thread-safe for reads.</summary>
public sealed unsafe class SafeLlamaModelHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public SafeLlamaModelHandle() : base(ownsHandle: true) { }

    private SafeLlamaModelHandle(IntPtr handle) : base(ownsHandle: true) => SetHandle(handle);

    /// <summary>Loads a model file. The caller has already validated the file (GGUF reader).</summary>
    /// <returns>The model, or null when llama.cpp refused it (the reason went to the log).</returns>
    public static SafeLlamaModelHandle? Load(string path, LlamaModelParams parameters)
    {
        LlamaLibrary.EnsureLoaded();
        var ptr = LlamaNative.llama_model_load_from_file(path, parameters);
        return ptr == IntPtr.Zero ? null : new SafeLlamaModelHandle(ptr);
    }

    protected override bool ReleaseHandle()
    {
        LlamaNative.llama_model_free(handle);
        return true;
    }

    public int TrainContextLength => LlamaNative.llama_model_n_ctx_train(handle);

    public int EmbeddingLength => LlamaNative.llama_model_n_embd(handle);

    public int LayerCount => LlamaNative.llama_model_n_layer(handle);

    public ulong SizeBytes => LlamaNative.llama_model_size(handle);

    public ulong ParameterCount => LlamaNative.llama_model_n_params(handle);

    public bool HasEncoder => LlamaNative.llama_model_has_encoder(handle) != 0;

    public string Description
    {
        get
        {
            Span<byte> buf = stackalloc byte[256];
            fixed (byte* p = buf)
            {
                var n = LlamaNative.llama_model_desc(handle, p, (nuint)buf.Length);
                return n <= 0 ? string.Empty : Encoding.UTF8.GetString(buf[..Math.Min(n, buf.Length - 1)]);
            }
        }
    }

    /// <summary>The default chat template from the model's metadata, or null.</summary>
    public string? ChatTemplate
    {
        get
        {
            var p = LlamaNative.llama_model_chat_template(handle, null);
            return p == null ? null : Marshal.PtrToStringUTF8((IntPtr)p);
        }
    }

    /// <summary>The vocabulary; valid as long as this handle lives (it holds a reference).</summary>
    public LlamaVocabulary GetVocabulary() => new(this, LlamaNative.llama_model_get_vocab(handle));
}
