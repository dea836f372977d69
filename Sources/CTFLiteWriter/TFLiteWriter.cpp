// Copyright 2026 The Distill authors.
// The TensorFlow Lite writer behind CTFLiteWriter.h: collects buffers, tensors and operators in the
// FlatBuffers object API types generated from schemas/tflite_subset.fbs and packs them with the
// FlatBuffers library (file identifier "TFL3", schema version 3). Tensors are packed by hand so that
// equal shape and quantization vectors are stored once: every per-channel weight and bias tensor carries
// a zero-point vector of zeros (int64, 8 bytes per channel), after ReLU most activations share a zero
// point, and a layer's output often has its neighbour's shape; FlatBuffers lets many tables point at one
// vector. At alpha 0.25 this is what brings an int8 file under 30% of the float32 one.

#include "CTFLiteWriter.h"

#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "tflite_subset_generated.h"

struct DistillTFLiteModel {
    tflite::ModelT model;
    std::unique_ptr<tflite::SubGraphT> subgraph = std::make_unique<tflite::SubGraphT>();
    std::map<std::pair<int32_t, int32_t>, uint32_t> operatorCodes;
    flatbuffers::FlatBufferBuilder builder;
    std::string error;
};

namespace {

/// Vectors (and quantization tables) already written to the builder, by content, so equal ones are written once.
class SharedVectors {
public:
    explicit SharedVectors(flatbuffers::FlatBufferBuilder &builder) : builder_(builder) {}

    template <typename T> flatbuffers::Offset<flatbuffers::Vector<T>> vector(const std::vector<T> &values) {
        if (values.empty()) return 0;
        std::string key(1, static_cast<char>(sizeof(T)));
        key.append(reinterpret_cast<const char *>(values.data()), values.size() * sizeof(T));
        auto found = offsets_.find(key);
        if (found != offsets_.end()) return flatbuffers::Offset<flatbuffers::Vector<T>>(found->second);
        auto offset = builder_.CreateVector(values);
        offsets_.emplace(std::move(key), offset.o);
        return offset;
    }

    /// Quantization parameters, one table for equal ones (a padded tensor has its input's).
    flatbuffers::Offset<tflite::QuantizationParameters> quantization(const tflite::QuantizationParametersT &parameters) {
        auto scale = vector(parameters.scale);
        auto zeroPoint = vector(parameters.zero_point);
        auto key = std::make_tuple(scale.o, zeroPoint.o, parameters.quantized_dimension);
        auto found = quantizations_.find(key);
        if (found != quantizations_.end()) return flatbuffers::Offset<tflite::QuantizationParameters>(found->second);
        auto offset =
            tflite::CreateQuantizationParameters(builder_, 0, 0, scale, zeroPoint, parameters.quantized_dimension);
        quantizations_.emplace(key, offset.o);
        return offset;
    }

private:
    flatbuffers::FlatBufferBuilder &builder_;
    std::map<std::string, flatbuffers::uoffset_t> offsets_;
    std::map<std::tuple<flatbuffers::uoffset_t, flatbuffers::uoffset_t, int32_t>, flatbuffers::uoffset_t> quantizations_;
};

flatbuffers::Offset<tflite::Tensor> packTensor(
    flatbuffers::FlatBufferBuilder &builder, SharedVectors &shared, const tflite::TensorT &tensor) {
    flatbuffers::Offset<tflite::QuantizationParameters> quantization = 0;
    if (const auto *parameters = tensor.quantization.get()) quantization = shared.quantization(*parameters);
    auto shape = shared.vector(tensor.shape);
    auto name = builder.CreateString(tensor.name);
    return tflite::CreateTensor(builder, shape, tensor.type, tensor.buffer, name, quantization, tensor.is_variable);
}

/// The model as FlatBuffers: like ModelT's Pack, but with the tensors' quantization vectors shared.
flatbuffers::Offset<tflite::Model> packModel(flatbuffers::FlatBufferBuilder &builder, const tflite::ModelT &model) {
    SharedVectors shared(builder);
    std::vector<flatbuffers::Offset<tflite::Buffer>> buffers;
    for (const auto &buffer : model.buffers) buffers.push_back(tflite::CreateBuffer(builder, buffer.get()));
    std::vector<flatbuffers::Offset<tflite::SubGraph>> subgraphs;
    for (const auto &subgraph : model.subgraphs) {
        std::vector<flatbuffers::Offset<tflite::Tensor>> tensors;
        for (const auto &tensor : subgraph->tensors) tensors.push_back(packTensor(builder, shared, *tensor));
        std::vector<flatbuffers::Offset<tflite::Operator>> operators;
        for (const auto &op : subgraph->operators) operators.push_back(tflite::CreateOperator(builder, op.get()));
        subgraphs.push_back(tflite::CreateSubGraph(
            builder, builder.CreateVector(tensors), builder.CreateVector(subgraph->inputs),
            builder.CreateVector(subgraph->outputs), builder.CreateVector(operators),
            builder.CreateString(subgraph->name)));
    }
    std::vector<flatbuffers::Offset<tflite::OperatorCode>> codes;
    for (const auto &code : model.operator_codes) codes.push_back(tflite::CreateOperatorCode(builder, code.get()));
    std::vector<flatbuffers::Offset<tflite::Metadata>> metadata;
    for (const auto &entry : model.metadata) metadata.push_back(tflite::CreateMetadata(builder, entry.get()));
    return tflite::CreateModel(
        builder, model.version, builder.CreateVector(codes), builder.CreateVector(subgraphs),
        builder.CreateString(model.description), builder.CreateVector(buffers), 0,
        metadata.empty() ? 0 : builder.CreateVector(metadata));
}

/// Options whose only field we set is the fused activation (FULLY_CONNECTED, ADD, MUL).
template <typename Options> void setActivationOptions(tflite::OperatorT &op, tflite::ActivationFunctionType activation) {
    Options options;
    options.fused_activation_function = activation;
    op.builtin_options.Set(std::move(options));
}

}  // namespace

extern "C" {

DistillTFLiteModel *distill_tflite_create(void) {
    auto *model = new DistillTFLiteModel();
    model->model.version = 3;
    model->model.buffers.push_back(std::make_unique<tflite::BufferT>());
    return model;
}

void distill_tflite_destroy(DistillTFLiteModel *model) { delete model; }

int32_t distill_tflite_add_buffer(DistillTFLiteModel *model, const uint8_t *bytes, size_t count) {
    auto buffer = std::make_unique<tflite::BufferT>();
    if (count > 0 && bytes != nullptr) buffer->data.assign(bytes, bytes + count);
    model->model.buffers.push_back(std::move(buffer));
    return static_cast<int32_t>(model->model.buffers.size() - 1);
}

int32_t distill_tflite_add_tensor(
    DistillTFLiteModel *model, const char *name, int32_t type, const int32_t *shape, size_t rank, int32_t buffer,
    const float *scales, const int64_t *zeroPoints, size_t quantizationCount, int32_t quantizedDimension) {
    if (buffer < 0 || static_cast<size_t>(buffer) >= model->model.buffers.size()) {
        model->error = "tensor " + std::string(name) + " refers to buffer " + std::to_string(buffer) +
                       " of " + std::to_string(model->model.buffers.size());
        return -1;
    }
    auto tensor = std::make_unique<tflite::TensorT>();
    tensor->name = name;
    tensor->type = static_cast<tflite::TensorType>(type);
    tensor->shape.assign(shape, shape + rank);
    tensor->buffer = static_cast<uint32_t>(buffer);
    if (quantizationCount > 0 && scales != nullptr && zeroPoints != nullptr) {
        auto quantization = std::make_unique<tflite::QuantizationParametersT>();
        quantization->scale.assign(scales, scales + quantizationCount);
        quantization->zero_point.assign(zeroPoints, zeroPoints + quantizationCount);
        quantization->quantized_dimension = quantizedDimension;
        tensor->quantization = std::move(quantization);
    }
    model->subgraph->tensors.push_back(std::move(tensor));
    return static_cast<int32_t>(model->subgraph->tensors.size() - 1);
}

int32_t distill_tflite_add_operator(
    DistillTFLiteModel *model, int32_t builtinCode, int32_t version, const int32_t *inputs, size_t inputCount,
    const int32_t *outputs, size_t outputCount, DistillTFLiteOptions options) {
    auto key = std::make_pair(builtinCode, version);
    auto found = model->operatorCodes.find(key);
    uint32_t codeIndex;
    if (found == model->operatorCodes.end()) {
        auto code = std::make_unique<tflite::OperatorCodeT>();
        code->builtin_code = static_cast<tflite::BuiltinOperator>(builtinCode);
        code->deprecated_builtin_code = static_cast<int8_t>(builtinCode < 127 ? builtinCode : 127);
        code->version = version;
        model->model.operator_codes.push_back(std::move(code));
        codeIndex = static_cast<uint32_t>(model->model.operator_codes.size() - 1);
        model->operatorCodes[key] = codeIndex;
    } else {
        codeIndex = found->second;
    }
    auto op = std::make_unique<tflite::OperatorT>();
    op->opcode_index = codeIndex;
    op->inputs.assign(inputs, inputs + inputCount);
    op->outputs.assign(outputs, outputs + outputCount);
    auto padding = options.validPadding ? tflite::Padding_VALID : tflite::Padding_SAME;
    auto activation = static_cast<tflite::ActivationFunctionType>(options.activation);
    switch (builtinCode) {
    case DISTILL_TFLITE_CONV_2D: {
        tflite::Conv2DOptionsT conv;
        conv.padding = padding;
        conv.stride_w = options.strideWidth;
        conv.stride_h = options.strideHeight;
        conv.fused_activation_function = activation;
        op->builtin_options.Set(std::move(conv));
        break;
    }
    case DISTILL_TFLITE_DEPTHWISE_CONV_2D: {
        tflite::DepthwiseConv2DOptionsT depthwise;
        depthwise.padding = padding;
        depthwise.stride_w = options.strideWidth;
        depthwise.stride_h = options.strideHeight;
        depthwise.depth_multiplier = options.depthMultiplier;
        depthwise.fused_activation_function = activation;
        op->builtin_options.Set(std::move(depthwise));
        break;
    }
    case DISTILL_TFLITE_FULLY_CONNECTED:
        setActivationOptions<tflite::FullyConnectedOptionsT>(*op, activation);
        break;
    case DISTILL_TFLITE_ADD:
        setActivationOptions<tflite::AddOptionsT>(*op, activation);
        break;
    case DISTILL_TFLITE_MUL:
        setActivationOptions<tflite::MulOptionsT>(*op, activation);
        break;
    case DISTILL_TFLITE_PAD: {
        op->builtin_options.Set(tflite::PadOptionsT());
        break;
    }
    case DISTILL_TFLITE_MEAN: {
        tflite::ReducerOptionsT reducer;
        reducer.keep_dims = options.keepDimensions != 0;
        op->builtin_options.Set(std::move(reducer));
        break;
    }
    default:
        break;
    }
    model->subgraph->operators.push_back(std::move(op));
    return static_cast<int32_t>(model->subgraph->operators.size() - 1);
}

void distill_tflite_set_inputs_outputs(
    DistillTFLiteModel *model, const int32_t *inputs, size_t inputCount, const int32_t *outputs,
    size_t outputCount) {
    model->subgraph->inputs.assign(inputs, inputs + inputCount);
    model->subgraph->outputs.assign(outputs, outputs + outputCount);
}

void distill_tflite_add_metadata(DistillTFLiteModel *model, const char *name, const uint8_t *bytes, size_t count) {
    int32_t buffer = distill_tflite_add_buffer(model, bytes, count);
    auto metadata = std::make_unique<tflite::MetadataT>();
    metadata->name = name;
    metadata->buffer = static_cast<uint32_t>(buffer);
    model->model.metadata.push_back(std::move(metadata));
}

int32_t distill_tflite_finish(
    DistillTFLiteModel *model, const char *description, const uint8_t **bytes, size_t *count) {
    if (!model->subgraph) {
        model->error = "the model was already finished";
        return -1;
    }
    model->subgraph->name = "main";
    model->model.subgraphs.push_back(std::move(model->subgraph));
    model->model.description = description;
    model->builder.Clear();
    tflite::FinishModelBuffer(model->builder, packModel(model->builder, model->model));
    *bytes = model->builder.GetBufferPointer();
    *count = model->builder.GetSize();
    return 0;
}

const char *distill_tflite_error(const DistillTFLiteModel *model) { return model->error.c_str(); }

}  // extern "C"
