"""Small PyTorch modules of every kind the graph readers read (built only where PyTorch is
installed: import this module after ``pytest.importorskip("torch")``)."""

import torch
from torch import nn

__all__ = ["MODELS", "make", "LeNet5", "ResidualCNN", "ImageMLP", "ResidualMLP"]


class LeNet5(nn.Module):
    """LeNet-5 on 28 x 28 inputs: conv 5x5 (padding 2) -> tanh -> avg pool -> conv 5x5 ->
    tanh -> avg pool -> 120 -> 84 -> 10."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 6, 5, padding=2)
        self.c2 = nn.Conv2d(6, 16, 5)
        self.f1, self.f2, self.f3 = nn.Linear(400, 120), nn.Linear(120, 84), nn.Linear(84, 10)

    def forward(self, x):
        x = nn.functional.avg_pool2d(torch.tanh(self.c1(x)), 2)
        x = nn.functional.avg_pool2d(torch.tanh(self.c2(x)), 2)
        x = torch.flatten(x, 1)
        return self.f3(torch.tanh(self.f2(torch.tanh(self.f1(x)))))


class ResidualCNN(nn.Module):
    """conv -> BN -> relu, a residual block relu(BN(conv(relu(BN(conv(x))))) + x) with
    bias-free convolutions, global average pooling, a dense head and optionally softmax."""

    def __init__(self, channels=4, softmax=False):
        super().__init__()
        self.stem = nn.Conv2d(1, channels, 3, padding=1, bias=False)
        self.bn0 = nn.BatchNorm2d(channels)
        self.c1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.c2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)
        self.head = nn.Linear(channels, 10)
        self.softmax = softmax
        with torch.no_grad():  # BatchNorm statistics far from the identity
            for bn in (self.bn0, self.bn1, self.bn2):
                bn.running_mean.uniform_(-0.5, 0.5)
                bn.running_var.uniform_(0.5, 2.0)
                bn.weight.uniform_(0.5, 1.5)
                bn.bias.uniform_(-0.2, 0.2)

    def forward(self, x):
        x = torch.relu(self.bn0(self.stem(x)))
        y = torch.relu(self.bn1(self.c1(x)))
        x = torch.relu(self.bn2(self.c2(y)) + x)
        x = self.head(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))
        return torch.softmax(x, dim=-1) if self.softmax else x


class ImageMLP(nn.Module):
    """An MLP read from an image-shaped input: a leading reshape, GELU, a bias-free layer,
    SiLU and a tanh output."""

    def __init__(self):
        super().__init__()
        self.a, self.b, self.c = nn.Linear(64, 12), nn.Linear(12, 10, bias=False), nn.Linear(10, 5)

    def forward(self, x):
        x = x.reshape(x.shape[0], -1)
        return torch.tanh(self.c(nn.functional.silu(self.b(nn.functional.gelu(self.a(x))))))


class ResidualMLP(nn.Module):
    """A residual MLP: x1 = tanh(W0 x), x2 = tanh(W1 x1) + x1, y = W2 x2."""

    def __init__(self):
        super().__init__()
        self.inp, self.hid, self.out = nn.Linear(6, 5), nn.Linear(5, 5), nn.Linear(5, 3)

    def forward(self, x):
        h = torch.tanh(self.inp(x))
        return self.out(torch.tanh(self.hid(h)) + h)


class Zoo(nn.Module):
    """Every other operator once: strided, dilated, grouped convolution, Conv1d via a
    reshape, a transposed convolution, max pooling, concatenation, LayerNorm, leaky relu,
    ELU, softplus, sigmoid."""

    def __init__(self):
        super().__init__()
        self.c = nn.Conv2d(2, 4, 3, stride=2, padding=1, dilation=1)
        self.g = nn.Conv2d(4, 4, 3, padding=2, dilation=2, groups=2)
        self.t = nn.ConvTranspose2d(4, 2, 2, stride=2)
        self.c1 = nn.Conv1d(4, 3, 3, padding=1)
        self.ln = nn.LayerNorm(26)
        self.fc = nn.Linear(26, 4)

    def forward(self, x):
        a = nn.functional.leaky_relu(self.c(x), 0.1)              # (4, 4, 4)
        b = nn.functional.elu(self.g(a))                           # (4, 4, 4)
        m = nn.functional.max_pool2d(torch.cat([a, b], 1), 2)      # (8, 2, 2)
        t = torch.sigmoid(self.t(b))                               # (2, 8, 8)
        s = nn.functional.softplus(self.c1(m.reshape(x.shape[0], 4, 8)))  # (3, 8)
        z = self.ln(torch.cat([s.flatten(1), t.mean((2, 3))], 1))
        return self.fc(z)


MODELS = {
    "lenet5": (LeNet5, (1, 1, 28, 28)),
    "residual_cnn": (ResidualCNN, (1, 1, 8, 8)),
    "residual_cnn_softmax": (lambda: ResidualCNN(softmax=True), (1, 1, 8, 8)),
    "image_mlp": (ImageMLP, (1, 1, 8, 8)),
    "residual_mlp": (ResidualMLP, (1, 6)),
    "zoo": (Zoo, (1, 2, 8, 8)),
}


def make(name, seed=0):
    """(module in eval mode, example input) of a named model, seeded."""
    torch.manual_seed(seed)
    cls, shape = MODELS[name]
    return cls().eval(), torch.randn(*shape)
