namespace Scarlet.Recognition.Index;

/// <summary>A (key, node) pair for the binary heaps of the indexes.</summary>
internal struct HeapItem
{
    public float Key;
    public int Node;

    public HeapItem(float key, int node)
    {
        Key = key;
        Node = node;
    }
}

/// <summary>A binary max-heap on <see cref="HeapItem.Key"/> over a reusable array (no allocation once grown).</summary>
internal sealed class MaxHeap
{
    private HeapItem[] _items;

    public MaxHeap(int capacity) => _items = new HeapItem[Math.Max(capacity, 4)];

    public int Count { get; private set; }

    public HeapItem Top => _items[0];

    public void Clear() => Count = 0;

    public void Push(float key, int node)
    {
        if (Count == _items.Length)
        {
            Array.Resize(ref _items, _items.Length * 2);
        }

        var items = _items;
        var i = Count++;
        while (i > 0)
        {
            var parent = (i - 1) >> 1;
            if (items[parent].Key >= key)
            {
                break;
            }

            items[i] = items[parent];
            i = parent;
        }

        items[i] = new HeapItem(key, node);
    }

    public HeapItem Pop()
    {
        var items = _items;
        var top = items[0];
        var last = items[--Count];
        var n = Count;
        var i = 0;
        while (true)
        {
            var child = (2 * i) + 1;
            if (child >= n)
            {
                break;
            }

            if (child + 1 < n && items[child + 1].Key > items[child].Key)
            {
                child++;
            }

            if (items[child].Key <= last.Key)
            {
                break;
            }

            items[i] = items[child];
            i = child;
        }

        if (n > 0)
        {
            items[i] = last;
        }

        return top;
    }
}
