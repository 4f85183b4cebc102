"""SqueezeNet 1.1 in plain ``torch.nn`` with torchvision's module tree and state-dict keys.

torchvision's own builds for this PyTorch do not import here (they link CUDA libraries),
so the network is written out again with exactly torchvision's module tree:
``features`` (indices 0..12: conv1, ReLU, max pools, eight :class:`Fire` modules) and
``classifier`` (dropout, the 1x1 conv to the classes, ReLU, global average pool). The
state-dict keys are therefore torchvision's (``features.0.weight``,
``features.3.squeeze.weight``, ..., ``classifier.1.weight``) and torchvision's official
``squeezenet1_1-b8a52dc0.pth`` loads unchanged; :data:`cs231n.data_utils.SQUEEZENET1_1_SHAPES`
is the layout, 1,235,496 parameters.

The ReLUs are in-place as in torchvision: a feature list collected module by module
(as the course's ``extract_features`` does) holds the same tensor for a conv and the
ReLU that follows it.

Input: ``(N, 3, H, W)`` float32, RGB, normalised as in
:func:`cs231n.image_utils.preprocess_image` (``(x/255 - SQUEEZENET_MEAN) / SQUEEZENET_STD``).
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["Fire", "SqueezeNet", "squeezenet1_1"]


class Fire(nn.Module):
    """The Fire module: a 1x1 "squeeze" conv, then 1x1 and 3x3 "expand" convs, concatenated.

    Args:
        inplanes: input channels C.
        squeeze_planes: channels S of the squeeze conv (1x1).
        expand1x1_planes: channels E1 of the 1x1 expand conv.
        expand3x3_planes: channels E3 of the 3x3 expand conv (padding 1: same H, W).

    ``forward(x: (N, C, H, W)) -> (N, E1 + E3, H, W)``; every conv is followed by a ReLU.
    """

    def __init__(
        self, inplanes: int, squeeze_planes: int, expand1x1_planes: int, expand3x3_planes: int
    ) -> None:
        super().__init__()
        self.inplanes = inplanes
        self.squeeze = nn.Conv2d(inplanes, squeeze_planes, kernel_size=1)
        self.squeeze_activation = nn.ReLU(inplace=True)
        self.expand1x1 = nn.Conv2d(squeeze_planes, expand1x1_planes, kernel_size=1)
        self.expand1x1_activation = nn.ReLU(inplace=True)
        self.expand3x3 = nn.Conv2d(squeeze_planes, expand3x3_planes, kernel_size=3, padding=1)
        self.expand3x3_activation = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.squeeze_activation(self.squeeze(x))  # (N, S, H, W)
        return torch.cat(
            [
                self.expand1x1_activation(self.expand1x1(x)),
                self.expand3x3_activation(self.expand3x3(x)),
            ],
            1,
        )  # (N, E1 + E3, H, W)


class SqueezeNet(nn.Module):
    """SqueezeNet 1.1 (Iandola et al. 2016, the v1.1 variant of DeepScale's repository).

    Args:
        num_classes: K, the number of output scores (1000 for ImageNet).

    ``forward(x: (N, 3, H, W) float32) -> (N, K)`` scores (after the final ReLU and the
    global average pool, as in torchvision). At H = W = 224 the feature maps are
    conv1 (N, 64, 111, 111), fire2-3 (N, 128, 55, 55), fire4-5 (N, 256, 27, 27),
    fire6-9 (N, 384..512, 13, 13).

    Initialisation as torchvision's: Kaiming-uniform convs, the final conv normal with
    std 0.01, zero biases.
    """

    def __init__(self, num_classes: int = 1000) -> None:
        super().__init__()
        if not isinstance(num_classes, int) or num_classes < 1:
            raise ValueError(f"SqueezeNet: num_classes must be a positive int, got {num_classes!r}")
        self.num_classes = num_classes
        self.features = nn.Sequential(
            nn.Conv2d(3, 64, kernel_size=3, stride=2),  # 0
            nn.ReLU(inplace=True),  # 1
            nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),  # 2
            Fire(64, 16, 64, 64),  # 3
            Fire(128, 16, 64, 64),  # 4
            nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),  # 5
            Fire(128, 32, 128, 128),  # 6
            Fire(256, 32, 128, 128),  # 7
            nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),  # 8
            Fire(256, 48, 192, 192),  # 9
            Fire(384, 48, 192, 192),  # 10
            Fire(384, 64, 256, 256),  # 11
            Fire(512, 64, 256, 256),  # 12
        )
        final_conv = nn.Conv2d(512, num_classes, kernel_size=1)
        self.classifier = nn.Sequential(
            nn.Dropout(p=0.5),  # 0
            final_conv,  # 1
            nn.ReLU(inplace=True),  # 2
            nn.AdaptiveAvgPool2d((1, 1)),  # 3
        )
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                if m is final_conv:
                    nn.init.normal_(m.weight, mean=0.0, std=0.01)
                else:
                    nn.init.kaiming_uniform_(m.weight)
                if m.bias is not None:
                    nn.init.constant_(m.bias, 0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 4 or x.shape[1] != 3:
            raise ValueError(
                f"SqueezeNet.forward: x must have shape (N, 3, H, W), got {tuple(x.shape)}"
            )
        x = self.features(x)  # (N, 512, h, w)
        x = self.classifier(x)  # (N, K, 1, 1)
        return torch.flatten(x, 1)  # (N, K)


def squeezenet1_1(pretrained: bool = False) -> SqueezeNet:
    """SqueezeNet 1.1 with 1000 classes.

    Args:
        pretrained: False: torchvision's random initialisation, training mode.
            True: the ImageNet weights of
            :func:`cs231n.data.squeezenet_weights.pretrained_weights` (torchvision's
            official ``.pth`` when it is in the data folder, else the weights built from
            DeepScale's Core ML copy), in eval mode. Print
            ``pretrained_weights().source`` to say which.

    Returns:
        a :class:`SqueezeNet`; ``forward((N, 3, H, W)) -> (N, 1000)``.
    """
    model = SqueezeNet(num_classes=1000)
    if pretrained:
        from cs231n.data.squeezenet_weights import pretrained_weights

        weights = pretrained_weights()
        model.load_state_dict({k: torch.from_numpy(v) for k, v in weights.state.items()})
        model.eval()
    return model
