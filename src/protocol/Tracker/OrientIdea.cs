namespace Labd.Protocol;

/// <summary>An idea in <see cref="Orientation"/>, with the best value of the primary metric among its succeeded experiments.</summary>
public sealed record OrientIdea(int Number, string Title, double? Best);
